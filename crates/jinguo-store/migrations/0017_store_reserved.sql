-- Items of the goods store keep the quantity redeemed and not yet collected ("reserved") as a
-- counter the writers maintain (redeem +, fulfil −, cancel −), instead of summing an item's
-- redemptions on every read: the sum grew with every redemption and slowed each one down.

ALTER TABLE store_items ADD COLUMN reserved BIGINT NOT NULL DEFAULT 0;

UPDATE store_items SET reserved = (
    SELECT COALESCE(SUM(d.quantity), 0) FROM redemptions d WHERE d.item = store_items.id AND d.status = 'reserved'
);
