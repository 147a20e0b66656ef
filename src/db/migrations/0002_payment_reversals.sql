CREATE TABLE "payment_reversals" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "payment_reversals_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"method" text NOT NULL,
	"reference" text NOT NULL,
	"payment_id" bigint,
	"order_id" text,
	"amount_cents" integer NOT NULL,
	"outcome" text NOT NULL,
	"reason" text,
	"source" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"raw" jsonb,
	CONSTRAINT "payment_reversals_method_reference" UNIQUE("method","reference"),
	CONSTRAINT "payment_reversals_payment" UNIQUE("payment_id")
);
--> statement-breakpoint
ALTER TABLE "payment_reversals" ADD CONSTRAINT "payment_reversals_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;