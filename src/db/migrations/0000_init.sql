CREATE TABLE "contract_documents" (
	"code" text PRIMARY KEY NOT NULL,
	"title_it" text NOT NULL,
	"title_en" text NOT NULL,
	"onerous" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "contract_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "contract_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"document_code" text NOT NULL,
	"version" text NOT NULL,
	"effective_from" date NOT NULL,
	"url" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contract_versions_document_version" UNIQUE("document_code","version")
);
--> statement-breakpoint
CREATE TABLE "conventions" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"payer" text DEFAULT 'member' NOT NULL,
	"durations_years" integer[] DEFAULT '{1}' NOT NULL,
	"reminder_offsets_days" integer[] DEFAULT '{60,30,15,7,1}' NOT NULL,
	"register_warning_days" integer DEFAULT 30 NOT NULL,
	"renewable_window_days" integer DEFAULT 90 NOT NULL,
	"late_renewal_from" text DEFAULT 'expiry' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "prices" (
	"convention_code" text NOT NULL,
	"years" integer NOT NULL,
	"net_cents" integer NOT NULL,
	"vat_basis_points" integer DEFAULT 2200 NOT NULL,
	"is_demo" boolean DEFAULT false NOT NULL,
	CONSTRAINT "prices_convention_code_years_pk" PRIMARY KEY("convention_code","years")
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"first_name" text NOT NULL,
	"last_name" text NOT NULL,
	"fiscal_code" text NOT NULL,
	"reference_email" text NOT NULL,
	"language" text DEFAULT 'it' NOT NULL,
	"password_hash" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mailboxes" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "mailboxes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"address" text NOT NULL,
	"account_id" text NOT NULL,
	"convention_code" text NOT NULL,
	"activated_on" date NOT NULL,
	"expires_on" date NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"register" text DEFAULT 'none' NOT NULL,
	"password_hash" text,
	"deactivated_on" date,
	"ceased_on" date,
	"last_reminder_due_on" date DEFAULT '-infinity'::date NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "mailboxes_address_unique" UNIQUE("address")
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"id" text PRIMARY KEY NOT NULL,
	"mailbox_id" bigint NOT NULL,
	"account_id" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"years" integer NOT NULL,
	"net_cents" integer NOT NULL,
	"vat_cents" integer NOT NULL,
	"total_cents" integer NOT NULL,
	"method" text NOT NULL,
	"billing" jsonb NOT NULL,
	"accepted_contracts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"placed_by" text NOT NULL,
	"placed_at" timestamp with time zone NOT NULL,
	"placed_on" date NOT NULL,
	"paid_at" timestamp with time zone,
	"extended_from" date,
	"new_expires_on" date,
	CONSTRAINT "orders_total" CHECK ("orders"."total_cents" = "orders"."net_cents" + "orders"."vat_cents")
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "payments_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"method" text NOT NULL,
	"reference" text NOT NULL,
	"order_ref" text NOT NULL,
	"order_id" text,
	"amount_cents" integer NOT NULL,
	"outcome" text NOT NULL,
	"reason" text,
	"refund_status" text DEFAULT 'none' NOT NULL,
	"source" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"raw" jsonb,
	CONSTRAINT "payments_method_reference" UNIQUE("method","reference")
);
--> statement-breakpoint
CREATE TABLE "notices" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "notices_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"mailbox_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"expires_on" date NOT NULL,
	"offset_days" integer DEFAULT 0 NOT NULL,
	"status" text NOT NULL,
	"run_date" date NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "notices_once" UNIQUE("mailbox_id","kind","expires_on","offset_days")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "outbox_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"template" text NOT NULL,
	"language" text NOT NULL,
	"recipient" text NOT NULL,
	"params" jsonb NOT NULL,
	"mailbox_id" bigint,
	"order_id" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"last_error" text,
	"message_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "provisioning_commands" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "provisioning_commands_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"mailbox_id" bigint NOT NULL,
	"action" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"done_at" timestamp with time zone,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"mailbox_id" bigint,
	"order_id" text,
	"payment_id" bigint,
	"reason" text,
	"data" jsonb
);
--> statement-breakpoint
CREATE TABLE "job_runs" (
	"job" text NOT NULL,
	"run_date" date NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	"summary" jsonb,
	CONSTRAINT "job_runs_job_run_date_pk" PRIMARY KEY("job","run_date")
);
--> statement-breakpoint
ALTER TABLE "contract_versions" ADD CONSTRAINT "contract_versions_document_code_contract_documents_code_fk" FOREIGN KEY ("document_code") REFERENCES "public"."contract_documents"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prices" ADD CONSTRAINT "prices_convention_code_conventions_code_fk" FOREIGN KEY ("convention_code") REFERENCES "public"."conventions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mailboxes" ADD CONSTRAINT "mailboxes_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mailboxes" ADD CONSTRAINT "mailboxes_convention_code_conventions_code_fk" FOREIGN KEY ("convention_code") REFERENCES "public"."conventions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_mailbox_id_mailboxes_id_fk" FOREIGN KEY ("mailbox_id") REFERENCES "public"."mailboxes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notices" ADD CONSTRAINT "notices_mailbox_id_mailboxes_id_fk" FOREIGN KEY ("mailbox_id") REFERENCES "public"."mailboxes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioning_commands" ADD CONSTRAINT "provisioning_commands_mailbox_id_mailboxes_id_fk" FOREIGN KEY ("mailbox_id") REFERENCES "public"."mailboxes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mailboxes_account" ON "mailboxes" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "mailboxes_status_expiry" ON "mailboxes" USING btree ("status","expires_on","id");--> statement-breakpoint
CREATE INDEX "mailboxes_reminder_due" ON "mailboxes" USING btree ("expires_on","last_reminder_due_on") WHERE status = 'active';--> statement-breakpoint
CREATE UNIQUE INDEX "orders_one_open_per_mailbox" ON "orders" USING btree ("mailbox_id") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "orders_account" ON "orders" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "payments_order" ON "payments" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "outbox_due" ON "outbox" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "provisioning_pending" ON "provisioning_commands" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "audit_mailbox" ON "audit_log" USING btree ("mailbox_id");--> statement-breakpoint
CREATE INDEX "audit_order" ON "audit_log" USING btree ("order_id");