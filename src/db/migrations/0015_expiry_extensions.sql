CREATE TABLE "expiry_extensions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "expiry_extensions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"mailbox_id" bigint NOT NULL,
	"days" integer NOT NULL,
	"reason" text NOT NULL,
	"status" text NOT NULL,
	"requested_by" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"decision_reason" text,
	"from_expires_on" date,
	"to_expires_on" date,
	CONSTRAINT "expiry_extensions_days" CHECK ("expiry_extensions"."days" > 0)
);
--> statement-breakpoint
ALTER TABLE "expiry_extensions" ADD CONSTRAINT "expiry_extensions_mailbox_id_mailboxes_id_fk" FOREIGN KEY ("mailbox_id") REFERENCES "public"."mailboxes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "expiry_extensions_pending" ON "expiry_extensions" USING btree ("requested_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "expiry_extensions_mailbox" ON "expiry_extensions" USING btree ("mailbox_id");