CREATE TABLE "convention_contract_documents" (
	"convention_code" text NOT NULL,
	"document_code" text NOT NULL,
	CONSTRAINT "convention_contract_documents_convention_code_document_code_pk" PRIMARY KEY("convention_code","document_code")
);
--> statement-breakpoint
ALTER TABLE "convention_contract_documents" ADD CONSTRAINT "convention_contract_documents_convention_code_conventions_code_fk" FOREIGN KEY ("convention_code") REFERENCES "public"."conventions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "convention_contract_documents" ADD CONSTRAINT "convention_contract_documents_document_code_contract_documents_code_fk" FOREIGN KEY ("document_code") REFERENCES "public"."contract_documents"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- The documents from before documents had a convention stay in force where they were: every convention stored now accepts them.
INSERT INTO "convention_contract_documents" ("convention_code", "document_code")
SELECT c."code", d."code" FROM "conventions" c CROSS JOIN "contract_documents" d;
