CREATE TABLE "password_reset_requests" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "password_reset_requests_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"identifier" text NOT NULL,
	"ip" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sign_in_client_failures" (
	"identifier" text NOT NULL,
	"client" text NOT NULL,
	"failures" integer NOT NULL,
	"last_failure_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sign_in_client_failures_identifier_client_pk" PRIMARY KEY("identifier","client")
);
--> statement-breakpoint
CREATE TABLE "operator_sign_in_client_failures" (
	"identifier" text NOT NULL,
	"client" text NOT NULL,
	"failures" integer NOT NULL,
	"last_failure_at" timestamp with time zone NOT NULL,
	CONSTRAINT "operator_sign_in_client_failures_identifier_client_pk" PRIMARY KEY("identifier","client")
);
--> statement-breakpoint
CREATE INDEX "sign_in_client_failures_last" ON "sign_in_client_failures" USING btree ("last_failure_at");--> statement-breakpoint
CREATE INDEX "operator_sign_in_client_failures_last" ON "operator_sign_in_client_failures" USING btree ("last_failure_at");--> statement-breakpoint
ALTER TABLE "sign_in_failures" DROP COLUMN "locked_until";--> statement-breakpoint
ALTER TABLE "operator_sign_in_failures" DROP COLUMN "locked_until";