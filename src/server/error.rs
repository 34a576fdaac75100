//! Errors as JSON bodies `{"error": kind, "message": …, "field"|"rule": …}` with the status
//! that says whose fault it is. Bad input is never a 500.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Value};

use crate::app::AppError;
use crate::query::QueryError;
use crate::store::StoreError;

/// The JSON body of every error.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The kind: `malformed`, `unauthorized`, `forbidden`, `not_found`, `no_route`,
    /// `method_not_allowed`, `conflict`, `id_reused`, `too_large`, `rule`, `unavailable`,
    /// `internal`.
    pub error: String,
    /// What is wrong, in plain words.
    pub message: String,
    /// The field or parameter at fault (400).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The rule broken (422).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The offending value (422).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Which command of a batch (from 1), when one of several broke a rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// What the client expected (409): stream → version.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub expected: Option<Value>,
    /// What the log holds (409): stream → version.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub actual: Option<Value>,
}

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    /// The status.
    pub status: StatusCode,
    /// The body (boxed: an error travels through many `Result`s).
    pub body: Box<ErrorBody>,
}

impl ApiError {
    /// An error of `kind` with `message`.
    pub fn new(status: StatusCode, kind: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: Box::new(ErrorBody {
                error: kind.to_string(),
                message: message.into(),
                field: None,
                rule: None,
                value: None,
                index: None,
                expected: None,
                actual: None,
            }),
        }
    }

    /// 400: `field` is malformed.
    pub fn malformed(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(StatusCode::BAD_REQUEST, "malformed", message);
        e.body.field = Some(field.into());
        e
    }

    /// 401.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 413.
    pub fn too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body is larger than the limit of {limit} bytes"),
        )
    }

    /// 500: something failed that is not the client's doing.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(*self.body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

fn versions(v: &[(String, u64)]) -> Value {
    Value::Object(v.iter().map(|(s, n)| (s.clone(), json!(n))).collect())
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match &e {
            StoreError::Conflict { expected, actual } => {
                let mut err = ApiError::new(StatusCode::CONFLICT, "conflict", e.to_string());
                err.body.expected = Some(versions(expected));
                err.body.actual = Some(versions(actual));
                err
            }
            StoreError::IdReused { .. } => {
                ApiError::new(StatusCode::CONFLICT, "id_reused", e.to_string())
            }
            StoreError::Invalid { field, message } => ApiError::malformed(field, message),
            StoreError::NotEmpty { .. } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", e.to_string())
            }
            StoreError::NoSuchEvent(_) => ApiError::not_found(e.to_string()),
            StoreError::Closed(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                e.to_string(),
            ),
            _ => ApiError::internal(e.to_string()),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        match e {
            AppError::Rule(rule) => rule_error(&rule, None),
            AppError::RuleInBatch { index, error } => rule_error(&error, Some(index)),
            AppError::Store(store) => store.into(),
            AppError::UnknownProgram(_) | AppError::UnknownToken(_) => {
                ApiError::not_found(e.to_string())
            }
            AppError::Invalid(message) => {
                let mut err = ApiError::new(StatusCode::BAD_REQUEST, "malformed", message);
                err.body.field = Some("body".into());
                err
            }
            AppError::Decode { .. } => ApiError::internal(e.to_string()),
        }
    }
}

fn rule_error(rule: &crate::domain::DomainError, index: Option<usize>) -> ApiError {
    let message = match index {
        Some(i) => format!("command {i}: {rule}"),
        None => rule.to_string(),
    };
    let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "rule", message);
    err.body.rule = Some(rule.rule.code().to_string());
    err.body.value = Some(rule.value.clone());
    err.body.index = index;
    err
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> ApiError {
        match e {
            QueryError::NotFound(message) => ApiError::not_found(message),
            QueryError::Invalid { field, message } => ApiError::malformed(field, message),
            QueryError::App(app) => app.into(),
            QueryError::Internal(message) => ApiError::internal(message),
        }
    }
}
