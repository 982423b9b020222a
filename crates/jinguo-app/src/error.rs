//! One error for every use case, whose variants are outcomes the caller can show. The web layer
//! renders each as a page or as `{"error":{"code","message"}}` with a stable code.

use jinguo_domain::Invalid;
use jinguo_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Absent, or outside the caller's scope (reads never tell the two apart).
    #[error("未找到该记录，或不在您的管辖范围内")]
    NotFound,
    /// Not allowed: a write outside scope, or a role without the permission.
    #[error("{0}")]
    Forbidden(String),
    /// Not logged in, a wrong password, an expired session.
    #[error("{0}")]
    Unauthorized(String),
    /// Administrators must give their second-factor code.
    #[error("请输入动态验证码")]
    SecondFactorRequired,
    /// Too many failed logins.
    #[error("{0}")]
    Locked(String),
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error("{0}")]
    Conflict(String),
    /// A conflict with a code of its own (e.g. `insufficient_points`, `out_of_stock`): the
    /// request was understood and refused as the records stand; nothing was written.
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    /// Anything unexpected: logged with its cause, shown as an opaque message.
    #[error("服务器内部错误，请稍后再试")]
    Internal(String),
}

impl AppError {
    /// The stable code of the JSON API.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Forbidden(_) => "forbidden",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::SecondFactorRequired => "totp_required",
            AppError::Locked(_) => "account_locked",
            AppError::Invalid(_) => "invalid",
            AppError::Conflict(_) => "conflict",
            AppError::Refused { code, .. } => code,
            AppError::Internal(_) => "internal",
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> AppError {
        AppError::Invalid(Invalid::field(field, message))
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(what) => AppError::Conflict(what),
            other => AppError::Internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        assert_eq!(AppError::NotFound.code(), "not_found");
        assert_eq!(AppError::Forbidden(String::new()).code(), "forbidden");
        assert_eq!(AppError::invalid("x", "y").code(), "invalid");
        assert_eq!(AppError::from(StoreError::Conflict("dup".into())).code(), "conflict");
        assert_eq!(AppError::from(StoreError::Other("boom".into())).to_string(), "服务器内部错误，请稍后再试");
    }
}
