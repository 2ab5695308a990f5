-- Problems that did not fail an item (e.g. AI enrichment skipped after invalid model output).
ALTER TABLE product_list_items ADD COLUMN warnings jsonb;
