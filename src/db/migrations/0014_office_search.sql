CREATE INDEX "accounts_fiscal_code" ON "accounts" USING btree ("fiscal_code");--> statement-breakpoint
CREATE INDEX "mailboxes_address_prefix" ON "mailboxes" USING btree ("address" text_pattern_ops);