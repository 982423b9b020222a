//! The goods store (积分超市) of a village or town: items with stock and a price in points,
//! redemptions that reserve stock and deduct points in one transaction, fulfilment and
//! cancellation (which returns both, once), and stocktakes that compare counted stock with the
//! movements and record the difference.

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::family::{EntryKind, RedemptionStatus};
use jinguo_domain::insight::metric;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use super::points::{self, Holder, NewEntry, Refs};
use crate::ids::next_id;
use crate::org::federations::region_of_row;
use crate::{Page, Result, Scope, StoreError, Work, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: i64,
    pub region: RegionCode,
    pub region_name: String,
    pub name: String,
    pub price: i64,
    pub stock: i64,
    /// Redeemed and not yet collected (still on the shelf).
    pub reserved: i64,
    pub active: bool,
}

const ITEM_SELECT: &str = "SELECT i.id, i.region, r.name AS region_name, i.name, i.price, i.stock, i.active, i.reserved \
     FROM store_items i JOIN regions r ON r.code = i.region";

fn item_from_row(row: &QueryResult) -> Result<Item> {
    Ok(Item {
        id: sql::get(row, "id")?,
        region: region_of_row(row, "region")?,
        region_name: sql::get(row, "region_name")?,
        name: sql::get(row, "name")?,
        price: sql::get(row, "price")?,
        stock: sql::get(row, "stock")?,
        reserved: sql::get(row, "reserved")?,
        active: sql::get(row, "active")?,
    })
}

pub async fn get_item<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<Item>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{ITEM_SELECT} WHERE i.id = ? AND i.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    row.as_ref().map(item_from_row).transpose()
}

/// An item by id whatever the scope (a family redeems at its own village's or town's store,
/// which the app checks).
pub async fn item_any<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<Item>> {
    let row = sql::one(c, &format!("{ITEM_SELECT} WHERE i.id = ?"), vals![id]).await?;
    row.as_ref().map(item_from_row).transpose()
}

pub async fn list_items<C: ConnectionTrait>(c: &C, scope: &Scope, after: Option<&str>, limit: u64) -> Result<Page<Item>> {
    let (low, high) = scope.bounds();
    let listing = crate::help::Listing {
        select: ITEM_SELECT,
        from: "store_items i",
        alias: "i",
        from_row: item_from_row,
        key: |i| (i.region.padded(), i.id),
    };
    crate::help::page_by_region(c, &listing, " WHERE i.region BETWEEN ? AND ?".into(), vals![low, high], after, limit).await
}

/// The items a family may redeem: those of its village and of its town.
pub async fn items_for<C: ConnectionTrait>(c: &C, village: &RegionCode) -> Result<Vec<Item>> {
    let mut values: Vec<Value> = vec![village.padded().into()];
    let mut marks = String::from("?");
    if let Some(town) = village.parent() {
        values.push(town.padded().into());
        marks.push_str(", ?");
    }
    let rows =
        sql::all(c, &format!("{ITEM_SELECT} WHERE i.region IN ({marks}) AND i.active = TRUE ORDER BY i.price, i.id"), values).await?;
    rows.iter().map(item_from_row).collect()
}

#[derive(Debug, Clone)]
pub struct NewItem {
    pub region: RegionCode,
    pub name: String,
    pub price: i64,
    pub stock: i64,
    pub created_by: Option<i64>,
}

pub async fn insert_item(w: &mut Work, new: &NewItem, now_ms: i64) -> Result<i64> {
    let id = next_id();
    sql::exec(
        &w.tx,
        "INSERT INTO store_items (id, region, name, price, stock, active, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, TRUE, ?, ?, ?)",
        vals![id, new.region.padded(), new.name.clone(), new.price, new.stock, new.created_by, now_ms, now_ms],
    )
    .await?;
    movement(w, id, &new.region, "opening", new.stock, None, "", new.created_by, now_ms).await?;
    Ok(id)
}

#[allow(clippy::too_many_arguments)] // the columns of a movement, each named at the call
async fn movement(
    w: &mut Work,
    item: i64,
    region: &RegionCode,
    kind: &str,
    quantity: i64,
    redemption: Option<i64>,
    reason: &str,
    by: Option<i64>,
    now_ms: i64,
) -> Result<()> {
    sql::exec(
        &w.tx,
        "INSERT INTO store_movements (id, item, region, kind, quantity, redemption, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vals![next_id(), item, region.padded(), kind.to_owned(), quantity, redemption, reason.to_owned(), by, now_ms],
    )
    .await?;
    Ok(())
}

/// Adds stock.
pub async fn restock(w: &mut Work, item: &Item, quantity: i64, reason: &str, by: Option<i64>, now_ms: i64) -> Result<()> {
    sql::exec(&w.tx, "UPDATE store_items SET stock = stock + ?, updated_at = ? WHERE id = ?", vals![quantity, now_ms, item.id]).await?;
    movement(w, item.id, &item.region, "restock", quantity, None, reason, by, now_ms).await
}

#[derive(Debug, Clone, Serialize)]
pub struct Redemption {
    pub id: i64,
    pub family: i64,
    pub family_name: String,
    pub item: i64,
    pub item_name: String,
    pub region: RegionCode,
    pub quantity: i64,
    pub points: i64,
    pub status: RedemptionStatus,
    pub idempotency_key: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const RED_SELECT: &str = "SELECT d.id, d.family, f.name AS family_name, d.item, i.name AS item_name, d.region, d.quantity, d.points, \
     d.status, d.idempotency_key, d.created_at, d.updated_at \
     FROM redemptions d JOIN families f ON f.id = d.family JOIN store_items i ON i.id = d.item";

fn red_from_row(r: &QueryResult) -> Result<Redemption> {
    let status: String = sql::get(r, "status")?;
    Ok(Redemption {
        id: sql::get(r, "id")?,
        family: sql::get(r, "family")?,
        family_name: sql::get(r, "family_name")?,
        item: sql::get(r, "item")?,
        item_name: sql::get(r, "item_name")?,
        region: region_of_row(r, "region")?,
        quantity: sql::get(r, "quantity")?,
        points: sql::get(r, "points")?,
        status: RedemptionStatus::from_code(&status).unwrap_or(RedemptionStatus::Reserved),
        idempotency_key: sql::get(r, "idempotency_key")?,
        created_at: sql::get(r, "created_at")?,
        updated_at: sql::get(r, "updated_at")?,
    })
}

pub async fn redemption<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<Redemption>> {
    let row = sql::one(c, &format!("{RED_SELECT} WHERE d.id = ?"), vals![id]).await?;
    row.as_ref().map(red_from_row).transpose()
}

pub async fn by_key<C: ConnectionTrait>(c: &C, family: i64, key: &str) -> Result<Option<Redemption>> {
    let row = sql::one(c, &format!("{RED_SELECT} WHERE d.family = ? AND d.idempotency_key = ?"), vals![family, key.to_owned()]).await?;
    row.as_ref().map(red_from_row).transpose()
}

/// The redemptions of a family, newest first.
pub async fn of_family<C: ConnectionTrait>(c: &C, family: i64, limit: u64) -> Result<Vec<Redemption>> {
    let rows = sql::all(c, &format!("{RED_SELECT} WHERE d.family = ? ORDER BY d.id DESC LIMIT ?"), vals![family, limit as i64]).await?;
    rows.iter().map(red_from_row).collect()
}

/// The redemptions at an item, newest first.
pub async fn of_item<C: ConnectionTrait>(c: &C, item: i64, limit: u64) -> Result<Vec<Redemption>> {
    let rows = sql::all(c, &format!("{RED_SELECT} WHERE d.item = ? ORDER BY d.id DESC LIMIT ?"), vals![item, limit as i64]).await?;
    rows.iter().map(red_from_row).collect()
}

/// Why a redemption was not made. Nothing of it was written (the caller rolls back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The family's key was used before: the first redemption.
    Repeated(i64),
    InsufficientPoints {
        balance: i64,
        cost: i64,
    },
    OutOfStock {
        stock: i64,
    },
}

#[derive(Debug, Clone)]
pub struct NewRedemption {
    pub holder: Holder,
    pub quantity: i64,
    pub key: String,
    pub day: NaiveDate,
    pub created_by: Option<i64>,
}

/// Redeems: claims the key, deducts the points (conditionally), reserves the stock
/// (conditionally), and writes the ledger entry and the stock movement. On a refusal the caller
/// must roll back the Work.
pub async fn redeem(w: &mut Work, item: &Item, r: &NewRedemption, now_ms: i64) -> Result<Result<i64, Refused>> {
    let cost = item.price.checked_mul(r.quantity).ok_or_else(|| StoreError::Other("积分总额过大".into()))?;
    let id = next_id();
    let claimed = sql::write(
        &w.tx,
        "INSERT INTO redemptions (id, family, item, region, quantity, points, status, idempotency_key, created_by, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, 'reserved', ?, ?, ?, ?)",
        vals![id, r.holder.family, item.id, item.region.padded(), r.quantity, cost, r.key.clone(), r.created_by, now_ms, now_ms],
        "repeated",
    )
    .await;
    match claimed {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) => return Ok(Err(Refused::Repeated(0))),
        Err(e) => return Err(e),
    }
    let entry = NewEntry {
        points: -cost,
        kind: EntryKind::Redeem,
        reason: format!("兑换 {} × {}", item.name, r.quantity),
        refs: Refs { redemption: Some(id), ..Refs::default() },
        day: r.day,
        created_by: r.created_by,
    };
    if let Err(points::Insufficient { balance }) = points::append(w, &r.holder, &entry, now_ms).await? {
        return Ok(Err(Refused::InsufficientPoints { balance, cost }));
    }
    let taken = sql::exec(
        &w.tx,
        "UPDATE store_items SET stock = stock - ?, reserved = reserved + ?, updated_at = ? WHERE id = ? AND stock >= ?",
        vals![r.quantity, r.quantity, now_ms, item.id, r.quantity],
    )
    .await?;
    if taken == 0 {
        let stock: i64 = sql::scalar(&w.tx, "SELECT stock FROM store_items WHERE id = ?", vals![item.id]).await?;
        return Ok(Err(Refused::OutOfStock { stock }));
    }
    movement(w, item.id, &item.region, "redeem", -r.quantity, Some(id), "", r.created_by, now_ms).await?;
    w.deltas.add(metric::STORE_REDEMPTIONS, &item.region, r.day, 1);
    Ok(Ok(id))
}

/// Marks a reserved redemption collected. False when it was not reserved (already fulfilled or
/// cancelled).
pub async fn fulfil(w: &mut Work, d: &Redemption, now_ms: i64) -> Result<bool> {
    let n = sql::exec(
        &w.tx,
        "UPDATE redemptions SET status = 'fulfilled', updated_at = ? WHERE id = ? AND status = 'reserved'",
        vals![now_ms, d.id],
    )
    .await?;
    if n == 1 {
        sql::exec(&w.tx, "UPDATE store_items SET reserved = reserved - ?, updated_at = ? WHERE id = ?", vals![d.quantity, now_ms, d.item])
            .await?;
    }
    Ok(n == 1)
}

/// Cancels a reserved redemption, returning the stock and the points, once. False when it was
/// not reserved.
pub async fn cancel(
    w: &mut Work,
    d: &Redemption,
    holder: &Holder,
    reason: &str,
    day: NaiveDate,
    by: Option<i64>,
    now_ms: i64,
) -> Result<bool> {
    let n = sql::exec(
        &w.tx,
        "UPDATE redemptions SET status = 'cancelled', updated_at = ? WHERE id = ? AND status = 'reserved'",
        vals![now_ms, d.id],
    )
    .await?;
    if n != 1 {
        return Ok(false);
    }
    sql::exec(
        &w.tx,
        "UPDATE store_items SET stock = stock + ?, reserved = reserved - ?, updated_at = ? WHERE id = ?",
        vals![d.quantity, d.quantity, now_ms, d.item],
    )
    .await?;
    movement(w, d.item, &d.region, "cancel", d.quantity, Some(d.id), reason, by, now_ms).await?;
    let entry = NewEntry {
        points: d.points,
        kind: EntryKind::Refund,
        reason: format!("取消兑换 {}：{reason}", d.item_name),
        refs: Refs { redemption: Some(d.id), ..Refs::default() },
        day,
        created_by: by,
    };
    if points::append(w, holder, &entry, now_ms).await?.is_err() {
        return Err(StoreError::Other("退还积分失败".into()));
    }
    Ok(true)
}

/// The stock movements of an item summed by kind: `(opening, restocks, redeemed, cancelled,
/// stocktake differences)`, redeemed as a positive number.
pub async fn movement_sums<C: ConnectionTrait>(c: &C, item: i64) -> Result<[i64; 5]> {
    let rows = sql::all(
        c,
        "SELECT kind, CAST(COALESCE(SUM(quantity), 0) AS BIGINT) AS q FROM store_movements WHERE item = ? GROUP BY kind",
        vals![item],
    )
    .await?;
    let mut out = [0i64; 5];
    for r in &rows {
        let kind: String = sql::get(r, "kind")?;
        let q: i64 = sql::get(r, "q")?;
        let i = match kind.as_str() {
            "opening" => 0,
            "restock" => 1,
            "redeem" => 2,
            "cancel" => 3,
            _ => 4,
        };
        out[i] = if i == 2 { -q } else { q };
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize)]
pub struct Stocktake {
    pub id: i64,
    pub counted: i64,
    pub expected: i64,
    pub difference: i64,
    pub reason: String,
    pub created_at: i64,
}

/// Records a stocktake: `expected` on the shelf is the movements' sum (opening + restocks −
/// redemptions + cancellations + earlier differences) plus what is reserved and not yet
/// collected; the stock becomes what was counted, less the reserved units.
pub async fn stocktake(w: &mut Work, item: &Item, counted: i64, expected: i64, reason: &str, by: Option<i64>, now_ms: i64) -> Result<i64> {
    let id = next_id();
    let difference = counted - expected;
    sql::exec(
        &w.tx,
        "INSERT INTO stocktakes (id, item, region, counted, expected, difference, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vals![id, item.id, item.region.padded(), counted, expected, difference, reason.to_owned(), by, now_ms],
    )
    .await?;
    if difference != 0 {
        sql::exec(&w.tx, "UPDATE store_items SET stock = stock + ?, updated_at = ? WHERE id = ?", vals![difference, now_ms, item.id])
            .await?;
        movement(w, item.id, &item.region, "stocktake", difference, None, reason, by, now_ms).await?;
    }
    Ok(id)
}

pub async fn stocktakes<C: ConnectionTrait>(c: &C, item: i64) -> Result<Vec<Stocktake>> {
    let rows = sql::all(
        c,
        "SELECT id, counted, expected, difference, reason, created_at FROM stocktakes WHERE item = ? ORDER BY id DESC",
        vals![item],
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Stocktake {
                id: sql::get(r, "id")?,
                counted: sql::get(r, "counted")?,
                expected: sql::get(r, "expected")?,
                difference: sql::get(r, "difference")?,
                reason: sql::get(r, "reason")?,
                created_at: sql::get(r, "created_at")?,
            })
        })
        .collect()
}
