DROP INDEX "provisioning_pending";--> statement-breakpoint
ALTER TABLE "conventions" ADD COLUMN "deactivation_mode" text DEFAULT 'off' NOT NULL;--> statement-breakpoint
ALTER TABLE "provisioning_commands" ADD COLUMN "mode" text;--> statement-breakpoint
ALTER TABLE "provisioning_commands" ADD COLUMN "lease_until" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "provisioning_open" ON "provisioning_commands" USING btree ("id") WHERE status IN ('pending', 'in_flight');--> statement-breakpoint
CREATE INDEX "provisioning_mailbox" ON "provisioning_commands" USING btree ("mailbox_id","id");--> statement-breakpoint
CREATE VIEW "public"."mail_platform_accounts" AS (SELECT m.address,
    CASE WHEN m.password_hash LIKE '{%' THEN m.password_hash
         WHEN m.password_hash LIKE '$argon2id$%' THEN '{ARGON2ID}' || m.password_hash
         WHEN m.password_hash LIKE '$2%' THEN '{BLF-CRYPT}' || m.password_hash
         WHEN m.password_hash LIKE '$6$%' THEN '{SHA512-CRYPT}' || m.password_hash END AS password,
    m.status = 'active' AS login_allowed,
    (m.status = 'active' OR (m.status = 'deactivated' AND c.deactivation_mode = 'receive-only')) AS receive_allowed
  FROM mailboxes m JOIN conventions c ON c.code = m.convention_code
  WHERE m.status <> 'ceased');