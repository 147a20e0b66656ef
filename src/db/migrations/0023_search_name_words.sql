DROP INDEX "accounts_last_name_word_2_folded";--> statement-breakpoint
DROP INDEX "accounts_last_name_word_3_folded";--> statement-breakpoint
CREATE INDEX "accounts_last_name_second_word" ON "accounts" USING btree (split_part("last_name_folded", ' ', 2) text_pattern_ops);--> statement-breakpoint
CREATE INDEX "accounts_last_name_third_word" ON "accounts" USING btree (split_part("last_name_folded", ' ', 3) text_pattern_ops);--> statement-breakpoint
-- the new expression indexes' statistics now, not at the next autovacuum: the planner needs them to AND the words' bitmaps
ANALYZE "accounts";
