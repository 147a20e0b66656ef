ALTER TABLE "prices" ADD COLUMN "effective_from" date DEFAULT '2000-01-01' NOT NULL;--> statement-breakpoint
ALTER TABLE "prices" ADD COLUMN "created_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "prices" DROP CONSTRAINT "prices_convention_code_years_pk";--> statement-breakpoint
ALTER TABLE "prices" ADD CONSTRAINT "prices_convention_code_years_effective_from_pk" PRIMARY KEY("convention_code","years","effective_from");
