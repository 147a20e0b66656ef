CREATE INDEX "accounts_reference_email" ON "accounts" USING btree (lower("reference_email"));--> statement-breakpoint
CREATE INDEX "accounts_first_name_prefix" ON "accounts" USING btree (lower("first_name") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "accounts_last_name_prefix" ON "accounts" USING btree (lower("last_name") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "accounts_last_name_word_2" ON "accounts" USING btree (lower(split_part("last_name", ' ', 2)) text_pattern_ops) WHERE "accounts"."last_name" LIKE '% %';--> statement-breakpoint
CREATE INDEX "accounts_last_name_word_3" ON "accounts" USING btree (lower(split_part("last_name", ' ', 3)) text_pattern_ops) WHERE "accounts"."last_name" LIKE '% % %';--> statement-breakpoint
CREATE INDEX "payments_debtor_iban" ON "payments" USING btree (("raw" ->> 'debtorIban')) WHERE "payments"."raw" ->> 'debtorIban' is not null;--> statement-breakpoint
CREATE INDEX "payments_entry_ref" ON "payments" USING btree (("raw" ->> 'entryRef')) WHERE "payments"."raw" ->> 'entryRef' is not null;