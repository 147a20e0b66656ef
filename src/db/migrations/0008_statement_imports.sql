CREATE TABLE "statement_batches" (
	"import_id" bigint NOT NULL,
	"first_position" integer NOT NULL,
	"count" integer NOT NULL,
	"results" jsonb NOT NULL,
	"settled_at" timestamp with time zone NOT NULL,
	CONSTRAINT "statement_batches_import_id_first_position_pk" PRIMARY KEY("import_id","first_position")
);
--> statement-breakpoint
CREATE TABLE "statement_entries" (
	"import_id" bigint NOT NULL,
	"position" integer NOT NULL,
	"kind" text NOT NULL,
	"entry_ref" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"method" text,
	"reference" text,
	"order_ref" text,
	"order_id" text,
	"note" text,
	"facts" jsonb,
	CONSTRAINT "statement_entries_import_id_position_pk" PRIMARY KEY("import_id","position")
);
--> statement-breakpoint
CREATE TABLE "statement_imports" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "statement_imports_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"digest" text NOT NULL,
	"format" text NOT NULL,
	"file_name" text NOT NULL,
	"actor" text NOT NULL,
	"entries" integer NOT NULL,
	"settled" integer DEFAULT 0 NOT NULL,
	"registered" integer DEFAULT 0 NOT NULL,
	"held" integer DEFAULT 0 NOT NULL,
	"duplicates" integer DEFAULT 0 NOT NULL,
	"ignored" integer DEFAULT 0 NOT NULL,
	"staged_at" timestamp with time zone NOT NULL,
	"settled_at" timestamp with time zone,
	CONSTRAINT "statement_imports_digest_unique" UNIQUE("digest")
);
--> statement-breakpoint
ALTER TABLE "statement_batches" ADD CONSTRAINT "statement_batches_import_id_statement_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."statement_imports"("id") ON DELETE no action ON UPDATE no action;