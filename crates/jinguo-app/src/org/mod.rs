//! Use cases of the organisation network.

pub mod activities;
pub mod federations;
pub mod homes;
pub mod regions;

use chrono::NaiveDate;
use jinguo_domain::{Invalid, RegionCode};

use jinguo_store::register::Register;

use crate::{App, AppError, Result};

/// Parses a region field, with the Chinese reason under `field`.
pub(crate) fn parse_region(field: &str, value: &str) -> Result<RegionCode, Invalid> {
    RegionCode::parse(value).map_err(|e| Invalid::field(field, e.to_string()))
}

/// Parses an optional date field; empty means `default`. Dates in the future are refused.
pub(crate) fn parse_day(field: &str, label: &str, value: Option<&str>, default: NaiveDate, today: NaiveDate) -> Result<NaiveDate, Invalid> {
    let value = value.map(str::trim).unwrap_or("");
    if value.is_empty() {
        return Ok(default);
    }
    let day = jinguo_domain::insight::parse_date(value).ok_or_else(|| Invalid::field(field, format!("{label}格式应为 YYYY-MM-DD")))?;
    if day > today {
        return Err(Invalid::field(field, format!("{label}不能晚于今天")));
    }
    if day.format("%Y").to_string().as_str() < "1949" {
        return Err(Invalid::field(field, format!("{label}过早，请检查")));
    }
    Ok(day)
}

/// Parses a whole number field within `0..=max`; empty means `default`.
pub(crate) fn parse_count(field: &str, label: &str, value: Option<&str>, default: i64, max: i64) -> Result<i64, Invalid> {
    let value = value.map(str::trim).unwrap_or("");
    if value.is_empty() {
        return Ok(default);
    }
    match value.parse::<i64>() {
        Ok(n) if (0..=max).contains(&n) => Ok(n),
        _ => Err(Invalid::field(field, format!("{label}应为 0 到 {max} 之间的整数"))),
    }
}

/// Optional free text, trimmed, at most `max` characters.
pub(crate) fn optional_text(field: &str, label: &str, value: Option<&str>, max: usize) -> Result<String, Invalid> {
    let v = value.map(str::trim).unwrap_or("");
    if v.chars().count() > max {
        return Err(Invalid::field(field, format!("{label}不能超过 {max} 个字")));
    }
    Ok(v.to_owned())
}

/// Merges field errors collected from several parsers.
pub struct Checks(Invalid);

impl Default for Checks {
    fn default() -> Self {
        Checks::new()
    }
}

impl Checks {
    pub fn new() -> Checks {
        Checks(Invalid::new())
    }

    pub fn take<T>(&mut self, r: Result<T, Invalid>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.errors.extend(e.errors);
                None
            }
        }
    }

    pub fn finish(self) -> Result<()> {
        self.0.into_result().map_err(AppError::Invalid)
    }

    /// The errors collected, for checks shared by a form and a spreadsheet row.
    pub fn into_result(self) -> Result<(), Invalid> {
        self.0.into_result()
    }
}

impl App {
    /// A record the scoped read returned, for writing; when it did not (`found` is None):
    /// Forbidden (audited) if it exists outside the actor's scope, NotFound if it does not exist.
    pub(crate) async fn writable<T>(&self, actor: &crate::Actor, found: Option<T>, register: Register, id: i64, action: &str) -> Result<T> {
        match found {
            Some(record) => Ok(record),
            None => {
                let region = jinguo_store::register::region_of(self.db.reader(), register, id).await?;
                Err(self.missing_or_forbidden(actor, region, action, register.kind(), id).await)
            }
        }
    }

    /// For a write on an existing record that the scoped read did not find: Forbidden (and
    /// audited) when it exists outside scope, NotFound when it does not exist at all.
    pub(crate) async fn missing_or_forbidden(
        &self,
        actor: &crate::Actor,
        region: Option<RegionCode>,
        action: &str,
        kind: &str,
        id: i64,
    ) -> AppError {
        match region {
            Some(r) => self.deny(actor, action, kind, &id.to_string(), &r.padded(), "该记录不在您的管辖范围内，无权操作").await,
            None => AppError::NotFound,
        }
    }
}
