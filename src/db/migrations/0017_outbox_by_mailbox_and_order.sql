CREATE INDEX "outbox_mailbox" ON "outbox" USING btree ("mailbox_id");--> statement-breakpoint
CREATE INDEX "outbox_order" ON "outbox" USING btree ("order_id");