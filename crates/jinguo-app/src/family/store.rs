//! The goods store (积分超市) of a village or town: items, restocking, redemptions (stock
//! reserved and points deducted atomically, with an idempotency key per family), fulfilment,
//! cancellation (returns both, once) and stocktakes.
//!
//! Where a family may redeem: at the store of its own village, or of the town its village
//! belongs to. An item of another village or town is refused with a message saying so.

use jinguo_domain::access::Permission;
use jinguo_domain::family::{RedemptionStatus, idempotency_key, whole};
use jinguo_domain::org::validate_name;
use jinguo_domain::{Invalid, Level, RegionCode};
use jinguo_store::audit::Outcome;
use jinguo_store::family::points::Holder;
use jinguo_store::family::store::{self as store, Item, NewItem, NewRedemption, Redemption, Refused, Stocktake};
use jinguo_store::family::{Table, families};
use jinguo_store::{Page, Work};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::id_of;
use super::points::insufficient;
use crate::org::{Checks, optional_text, parse_region};
use crate::{Actor, App, AppError, Result};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ItemInput {
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub stock: String,
    #[serde(default)]
    pub price: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RedeemInput {
    #[serde(default)]
    pub family: String,
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub idempotency_key: String,
}

/// An item's page: the item, what its movements add up to, its stocktakes and redemptions.
#[derive(Debug, Clone, Serialize)]
pub struct ItemDetail {
    pub item: Item,
    /// opening, restocks, redeemed, cancelled, stocktake differences
    pub sums: [i64; 5],
    pub stocktakes: Vec<Stocktake>,
    pub redemptions: Vec<Redemption>,
}

/// A redemption made, or the one a repeated key found.
#[derive(Debug, Clone)]
pub struct Redeemed {
    pub redemption: Redemption,
    /// False when the key had been used: this is the first redemption, nothing new was written.
    pub created: bool,
}

impl App {
    /// Puts an item on the shelf of a village's or town's goods store.
    pub async fn create_store_item(&self, actor: &Actor, input: &ItemInput) -> Result<Item> {
        const ACTION: &str = "store_item.create";
        self.require(actor, Permission::WritePeople, ACTION).await?;
        let mut checks = Checks::new();
        let region = checks.take(parse_region("region", &input.region));
        if let Some(r) = &region
            && !matches!(r.level(), Level::Village | Level::Town)
        {
            checks.take::<()>(Err(Invalid::field("region", "积分超市设在村(社区)或镇(街道)，请选择这一级的区划")));
        }
        let name = checks.take(validate_name("name", "商品名称", &input.name, 60));
        let stock = checks.take(whole("stock", "库存", &input.stock, 0, 1_000_000));
        let price = checks.take(whole("price", "兑换积分", &input.price, 1, 1_000_000));
        checks.finish()?;
        let (Some(region), Some(name), Some(stock), Some(price)) = (region, name, stock, price) else {
            return Err(AppError::Internal("validation".into()));
        };
        self.require_in_scope(actor, &region, ACTION, "store_item", "").await?;
        if jinguo_store::org::regions::get(self.db.reader(), &region).await?.is_none() {
            return Err(AppError::invalid("region", "该区划不存在"));
        }
        let new = NewItem { region: region.clone(), name, price, stock, created_by: actor.account };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = store::insert_item(&mut w, &new, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "store_item",
            id,
            &region.padded(),
            json!({"after": {"name": new.name, "price": price, "stock": stock}}),
        ));
        w.commit().await?;
        self.store_item(actor, id).await
    }

    pub async fn store_item(&self, actor: &Actor, id: i64) -> Result<Item> {
        self.require(actor, Permission::ReadRegisters, "store_item.read").await?;
        store::get_item(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)
    }

    pub async fn store_item_detail(&self, actor: &Actor, id: i64) -> Result<ItemDetail> {
        let item = self.store_item(actor, id).await?;
        let r = self.db.reader();
        let mut redemptions = store::of_item(r, id, 100).await?;
        for d in &mut redemptions {
            d.family_name = actor.list_name(&d.family_name);
        }
        Ok(ItemDetail { sums: store::movement_sums(r, id).await?, stocktakes: store::stocktakes(r, id).await?, redemptions, item })
    }

    pub async fn list_store_items(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<Item>> {
        let scope = self.list_scope(actor, region, "store_item.list").await?;
        Ok(store::list_items(self.db.reader(), &scope, after, limit.clamp(1, 500)).await?)
    }

    /// The items a family may redeem (its village's and its town's).
    pub async fn store_items_for_family(&self, actor: &Actor, family: i64) -> Result<Vec<Item>> {
        let f = self.family(actor, family).await?;
        Ok(store::items_for(self.db.reader(), &f.region).await?)
    }

    async fn item_for_write(&self, actor: &Actor, id: i64, action: &str) -> Result<Item> {
        self.require(actor, Permission::WritePeople, action).await?;
        let found = store::get_item(self.db.reader(), &actor.scope, id).await?;
        self.family_writable(actor, found, Table::StoreItems, id, action).await
    }

    /// Adds stock to an item.
    pub async fn restock_item(&self, actor: &Actor, id: i64, quantity: &str, reason: Option<&str>) -> Result<Item> {
        const ACTION: &str = "store_item.restock";
        let item = self.item_for_write(actor, id, ACTION).await?;
        let mut checks = Checks::new();
        let q = checks.take(whole("quantity", "补货数量", quantity, 1, 1_000_000));
        let reason = checks.take(optional_text("reason", "备注", reason, 200));
        checks.finish()?;
        let (Some(q), Some(reason)) = (q, reason) else { return Err(AppError::Internal("validation".into())) };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        store::restock(&mut w, &item, q, &reason, actor.account, now).await?;
        w.audit(actor.entry(now, ACTION, Outcome::Ok, "store_item", id, &item.region.padded(), json!({"after": {"quantity": q}})));
        w.commit().await?;
        self.store_item(actor, id).await
    }

    /// An officer enters the counted stock; the difference with the ledger is recorded with a
    /// reason (required when there is a difference).
    pub async fn stocktake(&self, actor: &Actor, id: i64, counted: &str, reason: Option<&str>) -> Result<Stocktake> {
        const ACTION: &str = "store_item.stocktake";
        let item = self.item_for_write(actor, id, ACTION).await?;
        let mut checks = Checks::new();
        let counted = checks.take(whole("counted", "盘点数量", counted, 0, 10_000_000));
        let reason = checks.take(optional_text("reason", "差异原因", reason, 200));
        checks.finish()?;
        let (Some(counted), Some(reason)) = (counted, reason) else { return Err(AppError::Internal("validation".into())) };
        let sums = store::movement_sums(self.db.reader(), id).await?;
        let expected = sums[0] + sums[1] - sums[2] + sums[3] + sums[4] + item.reserved;
        if counted != expected && reason.is_empty() {
            return Err(AppError::invalid("reason", format!("盘点数量与账面（{expected}）不符，请填写差异原因")));
        }
        if counted < item.reserved {
            return Err(AppError::invalid("counted", format!("盘点数量不能少于已兑换待领取的 {} 件，请先取消相应兑换", item.reserved)));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let sid = store::stocktake(&mut w, &item, counted, expected, &reason, actor.account, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "store_item",
            id,
            &item.region.padded(),
            json!({"after": {"stocktake": sid.to_string(), "counted": counted, "expected": expected, "difference": counted - expected, "reason": reason}}),
        ));
        w.commit().await?;
        store::stocktakes(self.db.reader(), id).await?.into_iter().find(|s| s.id == sid).ok_or(AppError::NotFound)
    }

    /// Redeems an item for a family: stock reserved and points deducted in one transaction. A
    /// key the family used before answers with the first redemption (nothing new written).
    /// Refusals: `insufficient_points`, `out_of_stock` (409), nothing written.
    pub async fn redeem(&self, actor: &Actor, input: &RedeemInput) -> Result<Redeemed> {
        const ACTION: &str = "redemption.create";
        self.require(actor, Permission::WritePeople, ACTION).await?;
        let mut checks = Checks::new();
        let fid = checks.take(id_of("family", &input.family, "请选择兑换的家庭"));
        let iid = checks.take(id_of("item", &input.item, "请选择兑换的商品"));
        let q = if input.quantity.trim().is_empty() {
            Some(1)
        } else {
            checks.take(whole("quantity", "兑换数量", &input.quantity, 1, 1_000))
        };
        let key = checks.take(idempotency_key(&input.idempotency_key));
        checks.finish()?;
        let (Some(fid), Some(iid), Some(q), Some(key)) = (fid, iid, q, key) else { return Err(AppError::Internal("validation".into())) };
        let f = self.family_for_write(actor, fid, ACTION).await?;
        if let Some(first) = store::by_key(self.db.reader(), fid, &key).await? {
            return Ok(Redeemed { redemption: first, created: false });
        }
        let item = store::item_any(self.db.reader(), iid).await?.ok_or_else(|| AppError::invalid("item", "该商品不存在"))?;
        if !item.region.contains(&f.region) || item.region.level() < Level::Town {
            return Err(AppError::invalid(
                "item",
                format!("“{}”属于{}积分超市；家庭只能在本村(社区)或所属镇(街道)的积分超市兑换", item.name, item.region_name),
            ));
        }
        if !item.active {
            return Err(AppError::invalid("item", "该商品已下架"));
        }
        let new = NewRedemption {
            holder: Holder { family: f.id, region: f.region.clone() },
            quantity: q,
            key: key.clone(),
            day: self.today(),
            created_by: actor.account,
        };
        let now = self.now_ms();
        let entry = actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "redemption",
            "",
            &item.region.padded(),
            json!({"after": {"family": f.id.to_string(), "item": item.id.to_string(), "quantity": q, "points": item.price * q, "key": key}}),
        );
        // SQLite: group commit through the one writer thread; PostgreSQL: a transaction each.
        let done = if self.db.backend() == jinguo_store::Backend::Sqlite {
            jinguo_store::family::group::redeem(&self.db, &item, &new, entry, now).await?
        } else {
            let mut w = Work::begin(&self.db).await?;
            match store::redeem(&mut w, &item, &new, now).await? {
                Ok(id) => {
                    let mut e = entry;
                    e.object_id = id.to_string();
                    w.audit(e);
                    w.commit().await?;
                    Ok(id)
                }
                Err(refused) => {
                    w.rollback().await?;
                    Err(refused)
                }
            }
        };
        let id = match done {
            Ok(id) => id,
            Err(refused) => {
                return match refused {
                    Refused::Repeated(_) => {
                        let first = store::by_key(self.db.reader(), fid, &key).await?.ok_or(AppError::NotFound)?;
                        Ok(Redeemed { redemption: first, created: false })
                    }
                    Refused::InsufficientPoints { balance, cost } => Err(insufficient(balance, cost)),
                    Refused::OutOfStock { stock } => Err(AppError::Refused {
                        code: "out_of_stock",
                        message: format!("库存不足：“{}”现有库存 {stock} 件，本次兑换 {q} 件，未作任何变动", item.name),
                    }),
                };
            }
        };
        let d = store::redemption(self.db.reader(), id).await?.ok_or(AppError::NotFound)?;
        Ok(Redeemed { redemption: d, created: true })
    }

    pub async fn redemption(&self, actor: &Actor, id: i64) -> Result<Redemption> {
        self.require(actor, Permission::ReadRegisters, "redemption.read").await?;
        let d = store::redemption(self.db.reader(), id).await?.ok_or(AppError::NotFound)?;
        let (_, region) = families::family_ref(self.db.reader(), d.family).await?;
        if !actor.scope.contains(&region) && !actor.scope.contains(&d.region) {
            return Err(AppError::NotFound);
        }
        Ok(d)
    }

    async fn redemption_for_write(&self, actor: &Actor, id: i64, action: &str) -> Result<(Redemption, Holder)> {
        self.require(actor, Permission::WritePeople, action).await?;
        let d = store::redemption(self.db.reader(), id).await?.ok_or(AppError::NotFound)?;
        let (fid, region) = families::family_ref(self.db.reader(), d.family).await?;
        if !actor.scope.contains(&d.region) && !actor.scope.contains(&region) {
            return Err(self
                .deny(actor, action, "redemption", &id.to_string(), &d.region.padded(), "该记录不在您的管辖范围内，无权操作")
                .await);
        }
        Ok((d, Holder { family: fid, region }))
    }

    /// The family collected the goods.
    pub async fn fulfil_redemption(&self, actor: &Actor, id: i64) -> Result<Redemption> {
        const ACTION: &str = "redemption.fulfil";
        let (d, _) = self.redemption_for_write(actor, id, ACTION).await?;
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        if !store::fulfil(&mut w, &d, now).await? {
            w.rollback().await?;
            return Err(AppError::Conflict(format!("该兑换{}，不能再领取", d.status.label())));
        }
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "redemption",
            id,
            &d.region.padded(),
            json!({"after": {"status": RedemptionStatus::Fulfilled.code()}}),
        ));
        w.commit().await?;
        self.redemption(actor, id).await
    }

    /// Cancels a redemption not yet collected: the stock and the points come back, once.
    pub async fn cancel_redemption(&self, actor: &Actor, id: i64, reason: &str) -> Result<Redemption> {
        const ACTION: &str = "redemption.cancel";
        let (d, holder) = self.redemption_for_write(actor, id, ACTION).await?;
        let reason = validate_name("reason", "取消原因", reason, 200)?;
        if d.status != RedemptionStatus::Reserved {
            return Err(AppError::Conflict(format!("该兑换{}，不能取消", d.status.label())));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        if !store::cancel(&mut w, &d, &holder, &reason, self.today(), actor.account, now).await? {
            w.rollback().await?;
            return Err(AppError::Conflict("该兑换已处理，不能取消".into()));
        }
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "redemption",
            id,
            &d.region.padded(),
            json!({"after": {"status": "cancelled", "reason": reason}}),
        ));
        w.commit().await?;
        self.redemption(actor, id).await
    }
}
