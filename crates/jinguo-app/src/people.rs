//! The register of people: registering a woman (or a family member) once, finding her, reading
//! her record masked and by role, and revealing a field with a reason.
//!
//! The ID number, phone and address are sealed with the field cipher before they reach storage
//! and found by exact match through blind indexes. Lists show names as 张*, ID numbers as
//! 420502********1234, phones as 138****5678. A reviewer sees age, sex and categories only.

use jinguo_crypto::mask;
use jinguo_domain::access::Permission;
use jinguo_domain::org::validate_name;
use jinguo_domain::people::{IdNumber, PersonCategory, Phone, validate_person_name};
use jinguo_domain::{Level, RegionCode};
use jinguo_store::audit::Outcome;
use jinguo_store::people::{self as store, Filter, NewPerson, PersonRow};
use jinguo_store::register::Register;
use jinguo_store::{Page, StoreError, Work};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::org::{Checks, optional_text, parse_region};
use crate::{Actor, App, AppError, Result};

pub(crate) const ID_PURPOSE: &str = "person.id_number";
pub(crate) const PHONE_PURPOSE: &str = "person.phone";
pub(crate) const ADDRESS_PURPOSE: &str = "person.address";

/// A person as a form, a sheet row or the API gives her.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PersonInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub phone: Option<String>,
    /// The 12-digit code of her village (community).
    #[serde(default)]
    pub region: String,
    /// Category codes or Chinese labels: a list, or one text joined by 、.
    #[serde(default, deserialize_with = "list_or_text")]
    pub categories: Vec<String>,
    #[serde(default)]
    pub address: Option<String>,
}

fn list_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::String(s)) => vec![s],
        Some(serde_json::Value::Array(items)) => {
            items.into_iter().map(|i| i.as_str().map(str::to_owned).unwrap_or_else(|| i.to_string())).collect()
        }
        Some(other) => vec![other.to_string()],
    })
}

/// What a view of a person is for, and so which sealed fields it opens: only what is shown is
/// decrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// One person's record: her name in full; ID number, phone and address masked.
    Record,
    /// An item of a list or an export: the name masked too.
    List,
    /// A row of the register page's table, which shows no address: it stays sealed.
    Table,
}

/// A person as the caller may see her: masked, and without identity for roles that do not see it.
#[derive(Debug, Clone, Serialize)]
pub struct PersonView {
    pub id: i64,
    pub region: RegionCode,
    pub region_name: String,
    /// Full on a record, 张* in lists; None for roles that do not see identity.
    pub name: Option<String>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub sex: String,
    pub age: u32,
    pub categories: Vec<PersonCategory>,
}

/// The full values of a person's protected fields, after a reveal.
#[derive(Debug, Clone, Serialize)]
pub struct Revealed {
    pub name: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub address: Option<String>,
}

/// What registering answered: a new record, or the one she already had.
#[derive(Debug, Clone)]
pub enum Registration {
    Created(PersonView),
    Existing(PersonView),
}

fn mask_address(a: &str) -> String {
    let chars: Vec<char> = a.chars().collect();
    let keep = chars.len().min(6).saturating_sub(if chars.len() <= 6 { chars.len() / 2 } else { 0 });
    format!("{}****", chars[..keep].iter().collect::<String>())
}

impl App {
    pub(crate) fn person_view(&self, actor: &Actor, p: &PersonRow, shown: Shown) -> PersonView {
        let sees = actor.sees_identity();
        let open = |purpose: &str, sealed: &str| self.crypto.open(purpose, sealed).ok();
        let (name, id_number, phone, address) = if sees {
            let id = open(ID_PURPOSE, &p.id_cipher).map(|s| mask::id_number(&s));
            let phone = p.phone_cipher.as_deref().and_then(|c| open(PHONE_PURPOSE, c)).map(|s| match Phone::parse(&s) {
                Ok(ph) => ph.masked(),
                Err(_) => mask::phone(&s),
            });
            let address = match shown {
                Shown::Table => None,
                Shown::Record | Shown::List => p.address_cipher.as_deref().and_then(|c| open(ADDRESS_PURPOSE, c)).map(|s| mask_address(&s)),
            };
            let name = if shown == Shown::Record { p.name.clone() } else { mask::name(&p.name) };
            (Some(name), id, phone, address)
        } else {
            (None, None, None, None)
        };
        PersonView {
            id: p.id,
            region: p.region.clone(),
            region_name: p.region_name.clone(),
            name,
            id_number,
            phone,
            address,
            sex: if p.sex == "male" { "男".into() } else { "女".into() },
            age: jinguo_domain::people::age_in_years(p.birth_date, self.today()),
            categories: p.categories.clone(),
        }
    }

    /// Registers a person once: an ID number already registered in scope answers with her
    /// record; one registered outside scope is refused without details.
    pub async fn register_person(&self, actor: &Actor, input: &PersonInput) -> Result<Registration> {
        const ACTION: &str = "person.register";
        self.require(actor, Permission::WritePeople, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let name = checks.take(validate_person_name(&input.name));
        let id = checks.take(IdNumber::parse(&input.id_number, today));
        let phone = match input.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(p) => checks.take(Phone::parse(p)).map(Some),
            None => Some(None),
        };
        let region = checks.take(parse_region("region", &input.region));
        let categories = checks.take(PersonCategory::parse_list(&input.categories.join("、")));
        let address = checks.take(optional_text("address", "住址", input.address.as_deref(), 100));
        checks.finish()?;
        let (Some(name), Some(id), Some(phone), Some(region), Some(categories), Some(address)) =
            (name, id, phone, region, categories, address)
        else {
            return Err(AppError::Internal("validation".into()));
        };
        if region.level() != Level::Village {
            return Err(AppError::invalid("region", "请填写 12 位村(社区)区划代码"));
        }
        self.require_in_scope(actor, &region, ACTION, "person", "").await?;
        if jinguo_store::org::regions::get(self.db.reader(), &region).await?.is_none() {
            return Err(AppError::invalid("region", format!("区划代码 {region} 不存在")));
        }
        let id_index = self.crypto.blind_index(ID_PURPOSE, id.as_str());
        if let Some(found) = self.existing(actor, &id_index).await? {
            return Ok(Registration::Existing(found));
        }
        let new = NewPerson {
            region: region.clone(),
            name: name.clone(),
            id_cipher: self.crypto.seal(ID_PURPOSE, id.as_str()),
            id_index: id_index.clone(),
            phone_cipher: phone.as_ref().map(|p| self.crypto.seal(PHONE_PURPOSE, p.as_str())),
            phone_index: phone.as_ref().map(|p| self.crypto.blind_index(PHONE_PURPOSE, p.as_str())),
            address_cipher: Some(address.clone()).filter(|a| !a.is_empty()).map(|a| self.crypto.seal(ADDRESS_PURPOSE, &a)),
            birth_date: id.birth_date(),
            sex: id.sex().code(),
            categories: categories.clone(),
            created_by: actor.account,
        };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let pid = match store::insert(&mut w, &new, today, now).await {
            Ok(pid) => pid,
            Err(StoreError::Conflict(_)) => {
                // Registered a moment ago by someone else: answer as for any duplicate.
                w.rollback().await?;
                return self
                    .existing(actor, &id_index)
                    .await?
                    .map(Registration::Existing)
                    .ok_or(AppError::Conflict("该身份证号码已登记".into()));
            }
            Err(e) => return Err(e.into()),
        };
        let detail = json!({"after": {"name": mask::name(&name), "id_number": id.masked(), "categories": categories.iter().map(|c| c.code()).collect::<Vec<_>>()}});
        w.audit(actor.entry(now, ACTION, Outcome::Ok, "person", pid, &region.padded(), detail));
        w.commit().await?;
        let row = store::get(&self.db, &actor.scope, pid).await?.ok_or(AppError::NotFound)?;
        Ok(Registration::Created(self.person_view(actor, &row, Shown::Record)))
    }

    /// The record holding this blind index, if it is in scope; Conflict (audited) if it lies
    /// outside, saying only that she is registered elsewhere.
    async fn existing(&self, actor: &Actor, id_index: &str) -> Result<Option<PersonView>> {
        let Some((pid, region)) = store::find_by_id_index(self.db.reader(), id_index).await? else {
            return Ok(None);
        };
        if !actor.scope.contains(&region) {
            let entry = actor.entry(
                self.now_ms(),
                "person.register",
                Outcome::Failed,
                "person",
                "",
                "",
                json!({"reason": "registered outside scope"}),
            );
            jinguo_store::audit::append_now(&self.db, entry).await?;
            return Err(AppError::Conflict("该身份证号码已在其他地区登记，请与所在地区妇联核实，勿重复登记".into()));
        }
        let row = store::get(&self.db, &actor.scope, pid).await?.ok_or(AppError::NotFound)?;
        Ok(Some(self.person_view(actor, &row, Shown::Record)))
    }

    pub async fn person(&self, actor: &Actor, id: i64) -> Result<PersonView> {
        self.require(actor, Permission::ReadRegisters, "person.read").await?;
        let row = store::get(&self.db, &actor.scope, id).await?.ok_or(AppError::NotFound)?;
        Ok(self.person_view(actor, &row, Shown::Record))
    }

    /// People in scope, masked. `q` finds by name, or exactly by an ID number or phone typed in
    /// full (through the blind indexes).
    pub async fn list_people(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        category: Option<&str>,
        q: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<PersonView>> {
        let page = self.people_rows(actor, region, category, q, after, limit).await?;
        Ok(page.map(|p| self.person_view(actor, &p, Shown::List)))
    }

    /// [`App::list_people`] as the register page's table shows it: fifty to a page, with no
    /// address (which so stays sealed).
    pub async fn people_table(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        category: Option<&str>,
        q: Option<&str>,
        after: Option<&str>,
    ) -> Result<Page<PersonView>> {
        let page = self.people_rows(actor, region, category, q, after, 50).await?;
        Ok(page.map(|p| self.person_view(actor, &p, Shown::Table)))
    }

    async fn people_rows(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        category: Option<&str>,
        q: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<PersonRow>> {
        let scope = self.list_scope(actor, region, "person.list").await?;
        let filter = self.people_filter(actor, category, q)?;
        store::list(&self.db, &scope, &filter, after, limit.clamp(1, 500)).await.map_err(Into::into)
    }

    /// The filter of a people list: a category (code or label), and `q` — an ID number or phone
    /// typed in full finds by blind index, anything else by name (for roles that see names).
    pub(crate) fn people_filter(&self, actor: &Actor, category: Option<&str>, q: Option<&str>) -> Result<Filter> {
        let mut filter = Filter::default();
        if let Some(c) = category.map(str::trim).filter(|c| !c.is_empty()) {
            filter.category = Some(PersonCategory::parse(c)?);
        }
        let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) else { return Ok(filter) };
        if let Ok(id) = IdNumber::parse(q, self.today()) {
            filter.id_index = Some(self.crypto.blind_index(ID_PURPOSE, id.as_str()));
        } else if let Ok(p) = Phone::parse(q) {
            filter.phone_index = Some(self.crypto.blind_index(PHONE_PURPOSE, p.as_str()));
        } else if actor.sees_identity() {
            filter.name = Some(q.to_owned());
        } else {
            return Err(AppError::invalid("q", "您的角色不能按姓名查找"));
        }
        Ok(filter)
    }

    /// The full protected fields of one person: a permission, a stated reason, an audit entry.
    pub async fn reveal_person(&self, actor: &Actor, id: i64, reason: &str) -> Result<Revealed> {
        const ACTION: &str = "person.reveal";
        self.require(actor, Permission::RevealPersonal, ACTION).await?;
        let reason = validate_name("reason", "查看原因", reason, 200)?;
        if reason.chars().count() < 4 {
            return Err(AppError::invalid("reason", "请写明查看原因（至少 4 个字）"));
        }
        let Some(row) = store::get(&self.db, &actor.scope, id).await? else {
            if let Some(region) = jinguo_store::register::region_of(self.db.reader(), Register::People, id).await? {
                let _ = self.deny(actor, ACTION, "person", &id.to_string(), &region.padded(), "查看管辖范围以外人员的信息").await;
            }
            return Err(AppError::NotFound);
        };
        let open = |purpose: &str, sealed: &str| self.crypto.open(purpose, sealed).map_err(|e| AppError::Internal(e.to_string()));
        let revealed = Revealed {
            name: row.name.clone(),
            id_number: open(ID_PURPOSE, &row.id_cipher)?,
            phone: row.phone_cipher.as_deref().map(|c| open(PHONE_PURPOSE, c)).transpose()?,
            address: row.address_cipher.as_deref().map(|c| open(ADDRESS_PURPOSE, c)).transpose()?,
        };
        let entry = actor.entry(
            self.now_ms(),
            ACTION,
            Outcome::Ok,
            "person",
            id,
            &row.region.padded(),
            json!({"reason": reason, "fields": ["name", "id_number", "phone", "address"]}),
        );
        jinguo_store::audit::append_now(&self.db, entry).await?;
        Ok(revealed)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_are_masked_after_a_few_characters() {
        assert_eq!(super::mask_address("湖北省宜昌市西陵区土街头3号"), "湖北省宜昌市****");
        assert_eq!(super::mask_address("西陵"), "西****");
    }
}
