CREATE TABLE "billing_profiles" (
	"account_id" text PRIMARY KEY NOT NULL,
	"billing" jsonb NOT NULL,
	"order_id" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "billing_profiles" ADD CONSTRAINT "billing_profiles_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;