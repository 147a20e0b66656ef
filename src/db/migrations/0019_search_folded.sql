DROP INDEX "accounts_first_name_prefix";--> statement-breakpoint
DROP INDEX "accounts_last_name_prefix";--> statement-breakpoint
DROP INDEX "accounts_last_name_word_2";--> statement-breakpoint
DROP INDEX "accounts_last_name_word_3";--> statement-breakpoint
DROP INDEX "payments_end_to_end";--> statement-breakpoint
DROP INDEX "payments_debtor_iban";--> statement-breakpoint
DROP INDEX "payments_entry_ref";--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "first_name_folded" text GENERATED ALWAYS AS (translate(lower("first_name"), 'àáâãäåāăąèéêëēėęěìíîïīįòóôõöøōőùúûüūůűųýÿñńçćčšśžźżłđÀÁÂÃÄÅĀĂĄÈÉÊËĒĖĘĚÌÍÎÏĪĮÒÓÔÕÖØŌŐÙÚÛÜŪŮŰŲÝŸÑŃÇĆČŠŚŽŹŻŁĐ-''’`´', 'aaaaaaaaaeeeeeeeeiiiiiioooooooouuuuuuuuyynncccsszzzldaaaaaaaaaeeeeeeeeiiiiiioooooooouuuuuuuuyynncccsszzzld ')) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "last_name_folded" text GENERATED ALWAYS AS (translate(lower("last_name"), 'àáâãäåāăąèéêëēėęěìíîïīįòóôõöøōőùúûüūůűųýÿñńçćčšśžźżłđÀÁÂÃÄÅĀĂĄÈÉÊËĒĖĘĚÌÍÎÏĪĮÒÓÔÕÖØŌŐÙÚÛÜŪŮŰŲÝŸÑŃÇĆČŠŚŽŹŻŁĐ-''’`´', 'aaaaaaaaaeeeeeeeeiiiiiioooooooouuuuuuuuyynncccsszzzldaaaaaaaaaeeeeeeeeiiiiiioooooooouuuuuuuuyynncccsszzzld ')) STORED NOT NULL;--> statement-breakpoint
CREATE INDEX "accounts_first_name_folded" ON "accounts" USING btree ("first_name_folded" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "accounts_last_name_folded" ON "accounts" USING btree ("last_name_folded" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "accounts_last_name_word_2_folded" ON "accounts" USING btree (split_part("last_name_folded", ' ', 2) text_pattern_ops) WHERE "accounts"."last_name_folded" LIKE '% %';--> statement-breakpoint
CREATE INDEX "accounts_last_name_word_3_folded" ON "accounts" USING btree (split_part("last_name_folded", ' ', 3) text_pattern_ops) WHERE "accounts"."last_name_folded" LIKE '% % %';--> statement-breakpoint
CREATE INDEX "payments_end_to_end_id" ON "payments" USING btree (("raw" ->> 'endToEndId'));--> statement-breakpoint
CREATE INDEX "payments_entry_reference" ON "payments" USING btree (("raw" ->> 'entryRef'));--> statement-breakpoint
CREATE INDEX "payments_payer_iban" ON "payments" USING btree (("raw" ->> 'debtorIban'));