-- A sale is a price shown against a former (list) price; offers may also range up to a high price.
ALTER TABLE products ADD COLUMN IF NOT EXISTS list_price numeric;
ALTER TABLE products ADD COLUMN IF NOT EXISTS high_price numeric;
