//! Demo data of family points (issue 4, part B): families in demo villages from the demo people,
//! five years of points entries, goods-store items in their villages and towns, redemptions and
//! mottos. Idempotent through its own settings key. Sized to stay quick at every scale: at most
//! [`FAMILIES`] families, written a hundred families to a transaction through the same store
//! functions the use cases call (so the roll-ups agree with the records).

use chrono::{Datelike, NaiveDate};
use jinguo_domain::family::{EntryKind, MottoStatus, Relation};
use jinguo_domain::{Level, RegionCode};
use jinguo_store::audit::Outcome;
use jinguo_store::family::points::{Holder, NewEntry, Refs};
use jinguo_store::family::store::{NewItem, NewRedemption};
use jinguo_store::family::{families, mottos, points, store};
use jinguo_store::{Scope, Work, settings};
use serde_json::json;

use crate::{Actor, App, Result};

const KEY: &str = "demo.family_points";
/// The most families the demo writes.
const FAMILIES: usize = 1_000;

const EARN: [&str; 6] = ["参加家风故事会", "志愿服务", "评为星级文明户", "参加家庭教育讲座", "庭院整治达标", "孝老爱亲事迹"];
const DEDUCT: [&str; 3] = ["乱堆乱放", "不文明养犬", "焚烧秸秆"];
const GOODS: [(&str, i64); 4] = [("洗衣液", 30), ("食用油", 50), ("大米 5 公斤", 80), ("毛巾", 15)];
const MOTTOS: [&str; 5] =
    ["勤俭持家，孝老爱亲", "耕读传家，诚信为本", "家和万事兴，邻里互帮扶", "严以律己，宽以待人", "读书明理，勤劳致富"];

/// A small deterministic generator (the demo is the same on every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

impl App {
    /// Seeds the family points demo once (no-op when its key is set).
    pub(crate) async fn seed_family_points(&self, actor: &Actor, city: &RegionCode) -> Result<()> {
        if settings::get(self.db.reader(), KEY).await?.is_some() {
            return Ok(());
        }
        let people: Vec<(i64, RegionCode)> =
            families::people_without_family(self.db.reader(), &Scope::region(city.clone()), (FAMILIES * 2) as u64)
                .await?
                .into_iter()
                .filter(|(_, r)| r.level() == Level::Village)
                .collect();
        let today = self.today();
        let start = NaiveDate::from_ymd_opt(today.year() - 5, 1, 1).unwrap_or(today);
        let span = (today - start).num_days().max(1) as u64;
        let mut rng = Lcg(20_240_308);
        let now = self.now_ms();
        // Families of one or two people of the same village.
        let mut groups: Vec<(RegionCode, Vec<i64>)> = Vec::new();
        let mut i = 0;
        while i < people.len() && groups.len() < FAMILIES {
            let (p, region) = &people[i];
            let mut members = vec![*p];
            if let Some((q, r2)) = people.get(i + 1)
                && r2 == region
                && rng.next(2) == 0
            {
                members.push(*q);
                i += 1;
            }
            groups.push((region.clone(), members));
            i += 1;
        }
        // Goods-store items in each village with families, and in its town.
        let mut items = std::collections::HashMap::new();
        let mut written = 0;
        for chunk in groups.chunks(100) {
            let mut w = Work::begin(&self.db).await?;
            for (n, (region, members)) in chunk.iter().enumerate() {
                for place in [Some(region.clone()), region.parent()].into_iter().flatten() {
                    if !items.contains_key(&place) {
                        let mut ids = Vec::new();
                        for (name, price) in GOODS {
                            let new = NewItem { region: place.clone(), name: name.into(), price, stock: 200, created_by: None };
                            let id = store::insert_item(&mut w, &new, now).await?;
                            ids.push(store::get_item(&w.tx, &Scope::everything(), id).await?);
                        }
                        items.insert(place.clone(), ids.into_iter().flatten().collect::<Vec<_>>());
                    }
                }
                let rels: Vec<(i64, Relation)> =
                    members.iter().enumerate().map(|(k, p)| (*p, if k == 0 { Relation::Head } else { Relation::Spouse })).collect();
                let new = families::NewFamily {
                    region: region.clone(),
                    name: format!("示范家庭{}", written + n + 1),
                    members: rels,
                    day: start,
                    created_by: None,
                };
                // Registered on `start`: its timestamp says so too (the trace dates a family by it).
                let fid = families::insert(&mut w, &new, jinguo_store::trace::china_day_start_ms(start) + 9 * 3_600_000).await?;
                let holder = Holder { family: fid, region: region.clone() };
                let mut days: Vec<NaiveDate> = (0..12).map(|_| start + chrono::Duration::days(rng.next(span) as i64)).collect();
                days.sort();
                for d in days {
                    let (kind, pts, reason) = if rng.next(6) == 0 {
                        (EntryKind::Deduct, -5, DEDUCT[rng.next(3) as usize])
                    } else {
                        (EntryKind::Earn, 5 + 5 * rng.next(4) as i64, EARN[rng.next(6) as usize])
                    };
                    let e = NewEntry { points: pts, kind, reason: reason.into(), refs: Refs::default(), day: d, created_by: None };
                    let _ = points::append(&mut w, &holder, &e, now).await?;
                }
                if let Some(list) = items.get(region)
                    && let Some(item) = list.get(rng.next(list.len() as u64) as usize)
                {
                    // Only when both cover it: a refused redemption would have to roll back the chunk.
                    let stock = store::get_item(&w.tx, &Scope::everything(), item.id).await?.map_or(0, |i| i.stock);
                    if points::balance(&w.tx, fid).await? >= item.price && stock > 0 {
                        let r =
                            NewRedemption { holder: holder.clone(), quantity: 1, key: format!("demo-{fid}"), day: today, created_by: None };
                        let _ = store::redeem(&mut w, item, &r, now).await?;
                    }
                }
                if rng.next(5) == 0 {
                    let m = mottos::insert(&mut w, fid, region, MOTTOS[rng.next(5) as usize], today, None, now).await?;
                    if rng.next(2) == 0 {
                        mottos::review(&mut w, m, MottoStatus::Approved, "", None, now).await?;
                    }
                }
            }
            written += chunk.len();
            w.commit().await?;
        }
        let mut w = Work::begin(&self.db).await?;
        settings::set(&w.tx, KEY, "1").await?;
        w.audit(actor.entry(now, "demo.seed", Outcome::Ok, "demo", KEY, &city.padded(), json!({"families": written})));
        w.commit().await?;
        Ok(())
    }
}
