//! Staff roles and what each may do (DESIGN.md §5). Where a role may act is its scope (the
//! region subtree of its federation); what it may do there is its permissions.
//!
//! The three administrators are kept apart (三权分立): the system administrator manages
//! accounts, the security administrator unlocks accounts and resets second factors, and the
//! audit administrator reads the audit log and nothing else; no one else reads the audit log.

use serde::{Deserialize, Serialize};

use crate::{Invalid, Level};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    CityOfficer,
    CountyOfficer,
    TownOfficer,
    VillageOfficer,
    Reviewer,
    SystemAdmin,
    SecurityAdmin,
    AuditAdmin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Read the registers (federations, homes, activities, later people) within scope.
    ReadRegisters,
    /// Create and change organisation records within scope.
    WriteOrg,
    /// Read the indicators of regions within scope.
    ReadIndicators,
    /// Create, disable and reset staff accounts.
    ManageAccounts,
    /// Import the region tree.
    ManageRegions,
    /// Unlock accounts, reset second factors.
    ManageSecurity,
    /// Read and search the audit log.
    ReadAudit,
    /// Register people and change their records within scope.
    WritePeople,
    /// See a person's full ID number, phone and address (with a reason, audited).
    RevealPersonal,
    /// Replace or reset the work report's template (a system setting, audited).
    ManageReportTemplate,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::CityOfficer,
        Role::CountyOfficer,
        Role::TownOfficer,
        Role::VillageOfficer,
        Role::Reviewer,
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::CityOfficer => "city_officer",
            Role::CountyOfficer => "county_officer",
            Role::TownOfficer => "town_officer",
            Role::VillageOfficer => "village_officer",
            Role::Reviewer => "reviewer",
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::AuditAdmin => "audit_admin",
        }
    }

    pub fn parse(code: &str) -> Result<Role, Invalid> {
        Role::ALL.into_iter().find(|r| r.code() == code.trim()).ok_or_else(|| {
            let all: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
            Invalid::field("role", format!("角色应为以下之一：{}", all.join("、")))
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::CityOfficer => "市妇联工作人员",
            Role::CountyOfficer => "县(区)妇联工作人员",
            Role::TownOfficer => "镇(街道)妇联工作人员",
            Role::VillageOfficer => "村(社区)妇联工作人员",
            Role::Reviewer => "审核人员",
            Role::SystemAdmin => "系统管理员",
            Role::SecurityAdmin => "安全管理员",
            Role::AuditAdmin => "审计管理员",
        }
    }

    /// The level of federation an officer role belongs to; None for the other roles.
    pub fn officer_level(self) -> Option<Level> {
        match self {
            Role::CityOfficer => Some(Level::City),
            Role::CountyOfficer => Some(Level::County),
            Role::TownOfficer => Some(Level::Town),
            Role::VillageOfficer => Some(Level::Village),
            _ => None,
        }
    }

    /// The officer role for a federation whose region is at `level`.
    pub fn officer_for(level: Level) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.officer_level() == Some(level))
    }

    pub fn is_admin(self) -> bool {
        matches!(self, Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin)
    }

    /// Whether the role sees who a person is (name, masked ID number and phone). A reviewer sees
    /// age, sex and categories only.
    pub fn sees_identity(self) -> bool {
        self.officer_level().is_some()
    }

    /// Administrators must use a second factor (TOTP).
    pub fn needs_second_factor(self) -> bool {
        self.is_admin()
    }

    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::CityOfficer | Role::CountyOfficer | Role::TownOfficer | Role::VillageOfficer => {
                matches!(permission, ReadRegisters | WriteOrg | ReadIndicators | WritePeople | RevealPersonal)
            }
            Role::Reviewer => matches!(permission, ReadRegisters | ReadIndicators),
            Role::SystemAdmin => matches!(permission, ManageAccounts | ManageRegions | ReadIndicators | ManageReportTemplate),
            Role::SecurityAdmin => matches!(permission, ManageSecurity),
            Role::AuditAdmin => matches!(permission, ReadAudit),
        }
    }
}

/// The password rule of the security baseline: at least 8 characters, from at least three of
/// lower-case letters, upper-case letters, digits and other characters; at most 128.
pub fn check_password(password: &str) -> Result<(), Invalid> {
    let n = password.chars().count();
    if n < 8 {
        return Err(Invalid::field("password", "密码至少 8 位"));
    }
    if n > 128 {
        return Err(Invalid::field("password", "密码不能超过 128 位"));
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|&&c| c).count() < 3 {
        return Err(Invalid::field("password", "密码须包含大写字母、小写字母、数字、符号中的至少三类"));
    }
    Ok(())
}

/// Usernames: 3–32 characters of lower-case letters, digits, `_`, `-` and `.`.
pub fn check_username(username: &str) -> Result<String, Invalid> {
    let u = username.trim();
    let ok_chars = u.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-.".contains(c));
    if !(3..=32).contains(&u.len()) || !ok_chars {
        return Err(Invalid::field("username", "用户名为 3–32 位小写字母、数字或 _ - ."));
    }
    Ok(u.to_owned())
}

/// Failed logins before the account locks.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a lock lasts, in minutes.
pub const LOCK_MINUTES: i64 = 15;
/// A session ends after this many idle minutes.
pub const SESSION_IDLE_MINUTES: i64 = 30;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_length_and_three_classes() {
        assert!(check_password("Abcdef12").is_ok());
        assert!(check_password("abcdef1!").is_ok());
        assert!(check_password("Abc12!").is_err());
        assert!(check_password("abcdefgh12").is_err());
        assert!(check_password("ABCDEFGH").is_err());
    }

    #[test]
    fn audit_admin_reads_the_audit_log_and_nothing_else() {
        for p in [
            Permission::ReadRegisters,
            Permission::WriteOrg,
            Permission::ReadIndicators,
            Permission::ManageAccounts,
            Permission::ManageRegions,
            Permission::ManageSecurity,
            Permission::WritePeople,
            Permission::RevealPersonal,
            Permission::ManageReportTemplate,
        ] {
            assert!(!Role::AuditAdmin.can(p), "{p:?}");
        }
        assert!(Role::AuditAdmin.can(Permission::ReadAudit));
        for role in Role::ALL.into_iter().filter(|r| *r != Role::AuditAdmin) {
            assert!(!role.can(Permission::ReadAudit), "{role:?}");
        }
    }

    #[test]
    fn reviewers_read_but_do_not_write() {
        assert!(Role::Reviewer.can(Permission::ReadRegisters));
        assert!(!Role::Reviewer.can(Permission::WriteOrg));
        assert!(!Role::Reviewer.can(Permission::RevealPersonal));
        assert!(!Role::Reviewer.sees_identity());
        assert!(Role::VillageOfficer.sees_identity());
    }

    #[test]
    fn only_the_system_administrator_changes_the_report_template() {
        for role in Role::ALL {
            assert_eq!(role.can(Permission::ManageReportTemplate), role == Role::SystemAdmin, "{role:?}");
        }
    }

    #[test]
    fn usernames() {
        assert!(check_username("county").is_ok());
        assert!(check_username("Zhang San").is_err());
        assert!(check_username("ab").is_err());
    }
}
