//! The kinds of change, and the rules that classify them from the client's side.

use serde::Serialize;

/// Which side of an exchange a change is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// What the client sends: parameters and the request body.
    Request,
    /// What the server sends back: statuses, bodies and headers.
    Response,
}

impl Side {
    /// The side in words.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Response => "response",
        }
    }
}

/// How a changed constraint moves the set of values a schema allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Fewer values are allowed: a higher `minLength`, a new `pattern`, `uniqueItems` set.
    Narrower,
    /// More values are allowed: a lower `minimum`, a `format` removed.
    Wider,
    /// Neither follows: a `pattern` or `format` replaced by another.
    Different,
}

/// Whom a change breaks, ordered from harmless to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// Existing clients keep working.
    Compatible,
    /// Direct users of the generated crate break; the wrapper absorbs the change.
    GeneratedCrate,
    /// No rule covers it: a maintainer must read it and decide. Fails the run.
    Unclassified,
    /// Existing clients break, or may, whichever crate they use.
    AllClients,
}

/// What a change is about; it picks the group the change is listed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Of {
    /// The document as a whole (its servers, a `$ref` that does not resolve).
    Spec,
    /// An operation: added, removed, renamed, or a part of it no rule covers.
    Operation,
    /// The security an operation requires, or a scheme it names.
    Security,
    /// A path, query, header or cookie parameter (and, for an object, its fields).
    Parameter,
    /// A request body as a whole.
    RequestBody,
    /// A field of a request body.
    RequestField,
    /// A response body as a whole, success or error.
    ResponseBody,
    /// A field of a success (2xx) response body.
    ResponseField,
    /// A field of an error response body.
    ErrorField,
    /// A response header.
    ResponseHeader,
    /// The response statuses an operation documents.
    Status,
}

impl Of {
    /// What one item of this is called in a message.
    pub(super) fn noun(self) -> &'static str {
        match self {
            Self::Parameter => "parameter",
            Self::ResponseHeader => "header",
            _ => "field",
        }
    }
}

/// One kind of change. The rule that classifies each is in [`Kind::classify`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Kind {
    OperationAdded,
    OperationRemoved,
    OperationRenamed {
        from: String,
        to: String,
    },
    /// The security an operation requires changed; `still_accepted` when every way to
    /// authenticate that the base allowed is still allowed.
    SecurityChanged {
        from: String,
        to: String,
        still_accepted: bool,
    },
    /// A scheme that an operation requires on both sides is defined differently.
    SecuritySchemeChanged {
        scheme: String,
        from: String,
        to: String,
    },
    BodyAdded {
        side: Side,
        required: bool,
    },
    BodyRemoved {
        side: Side,
    },
    BodyBecameRequired,
    BodyBecameOptional,
    /// A body's schema is another component (or inline schema) now; one line for all the
    /// field changes that follow from it, as bad as the worst of them.
    BodySwapped {
        side: Side,
        from: String,
        to: String,
        field_changes: usize,
        breaking_field_changes: usize,
        worst: Impact,
    },
    FieldAdded {
        side: Side,
        required: bool,
    },
    FieldRemoved {
        side: Side,
        required: bool,
    },
    FieldRetyped {
        side: Side,
        from: String,
        to: String,
    },
    /// `generated_type_changes` here and below: whether the Rust type the generated crate
    /// gives the field or parameter changes with it (see [`GENERATED_TYPE`]).
    FieldBecameRequired {
        side: Side,
        generated_type_changes: bool,
    },
    FieldBecameOptional {
        side: Side,
        generated_type_changes: bool,
    },
    FieldBecameNullable {
        side: Side,
        required: bool,
        generated_type_changes: bool,
    },
    FieldBecameNonNullable {
        side: Side,
        required: bool,
        generated_type_changes: bool,
    },
    ConstraintChanged {
        side: Side,
        keyword: String,
        from: String,
        to: String,
        effect: Effect,
        generated_type_changes: bool,
    },
    EnumValueAdded {
        side: Side,
        value: String,
    },
    EnumValueRemoved {
        side: Side,
        value: String,
    },
    /// A member of a `oneOf` or `anyOf` (`keyword`) that both sides have is added: one the
    /// other side has no member to pair with (see `compare::pair_members`).
    MemberAdded {
        side: Side,
        keyword: String,
    },
    /// A member of a `oneOf` or `anyOf` that both sides have is removed.
    MemberRemoved {
        side: Side,
        keyword: String,
    },
    StatusAdded {
        status: String,
    },
    StatusRemoved {
        status: String,
    },
    /// A 2xx beside the one the base documents; `same_body` when it sends the body clients
    /// decode for that one.
    SuccessStatusAdded {
        status: String,
        same_body: bool,
    },
    /// The one documented 2xx is another 2xx now (200 → 201).
    SuccessStatusChanged {
        from: String,
        to: String,
    },
    /// Only annotations changed (descriptions, examples, `x-` extensions) in a part of the
    /// document compared whole, such as `servers`.
    AnnotationsChanged {
        what: String,
    },
    /// Something changed that no rule covers.
    Unclassified {
        what: String,
    },
}

/// The rule for a change the wire and the wrapper take, that changes a Rust type of the
/// generated crate: which of its fields are `Option`s (optional or nullable), and the type a
/// constraint picks ([`super::compare::generated_type`]).
const GENERATED_TYPE: &str = "breaks direct users of the generated crate only: what goes over \
     the wire stays compatible, but the Rust type it generates for the value changes (an Option \
     added or dropped, a checked newtype, another integer or format type); the wrapper absorbs it";

impl Kind {
    /// Whom this change breaks, and the rule that says so, from the side of a client built
    /// against the base. These are the rules MAINTAINING.md lists under `cargo xtask diff`.
    pub fn classify(&self) -> (Impact, &'static str) {
        use Impact::{AllClients, Compatible, GeneratedCrate, Unclassified};
        use Side::{Request, Response};
        match self {
            Self::OperationAdded => (Compatible, "existing clients do not call it"),
            Self::OperationRemoved => (AllClients, "clients that call it get an error"),
            Self::OperationRenamed { .. } => (
                AllClients,
                "the wire stays the same, but the operationId names the generated crate's \
                 method and its `ops::` constant: it breaks direct users of the generated \
                 crate, and the wrapper (which names operations by those constants) until it \
                 follows (`cargo xtask import` keeps ours)",
            ),
            Self::SecurityChanged {
                still_accepted: true,
                ..
            } => (
                Compatible,
                "every credential clients sent before is still accepted",
            ),
            Self::SecurityChanged {
                still_accepted: false,
                ..
            } => (
                AllClients,
                "clients send the credentials the base asked for; the server now wants others",
            ),
            Self::SecuritySchemeChanged { .. } => (
                AllClients,
                "clients send the credential how and where the base's scheme said",
            ),
            Self::BodyAdded {
                side: Request,
                required: true,
            } => (
                AllClients,
                "clients send no body; the server now requires one",
            ),
            Self::BodyAdded {
                side: Request,
                required: false,
            } => (Compatible, "clients may leave the new body out"),
            Self::BodyAdded { side: Response, .. } => {
                (Compatible, "clients ignore a body they do not expect")
            }
            Self::BodyRemoved { side: Request } => (
                AllClients,
                "clients send a body the server no longer reads or accepts",
            ),
            Self::BodyRemoved { side: Response } => (
                AllClients,
                "clients decode a body the server no longer sends",
            ),
            Self::BodyBecameRequired => (AllClients, "clients that send no body are rejected"),
            Self::BodyBecameOptional => (Compatible, "clients that send a body still may"),
            Self::BodySwapped { worst, .. } => (*worst, "as bad as the worst field change in it"),
            Self::FieldAdded {
                side: Request,
                required: true,
            } => (
                AllClients,
                "clients do not send it; the server now requires it",
            ),
            Self::FieldAdded {
                side: Request,
                required: false,
            } => (Compatible, "clients may leave it out"),
            Self::FieldAdded { side: Response, .. } => {
                (Compatible, "clients ignore fields they do not know")
            }
            Self::FieldRemoved { side: Request, .. } => (
                AllClients,
                "clients still send it; the server no longer reads or accepts it",
            ),
            Self::FieldRemoved { side: Response, .. } => (
                AllClients,
                "clients read it: a required one fails decoding, an optional one leaves the types",
            ),
            Self::FieldRetyped { .. } => (AllClients, "clients send or decode the old type"),
            Self::FieldBecameRequired { side: Request, .. } => {
                (AllClients, "clients that leave it out are rejected")
            }
            Self::FieldBecameRequired {
                side: Response,
                generated_type_changes: true,
            } => (GeneratedCrate, GENERATED_TYPE),
            Self::FieldBecameRequired { side: Response, .. } => {
                (Compatible, "clients already handle it present")
            }
            Self::FieldBecameOptional {
                side: Request,
                generated_type_changes: true,
            } => (GeneratedCrate, GENERATED_TYPE),
            Self::FieldBecameOptional { side: Request, .. } => {
                (Compatible, "clients that send it still may")
            }
            Self::FieldBecameOptional { side: Response, .. } => (
                AllClients,
                "clients' non-optional type fails to decode when it is absent",
            ),
            Self::FieldBecameNullable {
                side: Response,
                required: true,
                ..
            } => (
                AllClients,
                "clients' non-optional type (a String, say) cannot decode null",
            ),
            Self::FieldBecameNullable { side: Response, .. } => (
                Compatible,
                "clients hold an optional field as an Option, which decodes null as absent",
            ),
            Self::FieldBecameNullable {
                side: Request,
                generated_type_changes: true,
                ..
            } => (GeneratedCrate, GENERATED_TYPE),
            Self::FieldBecameNullable { side: Request, .. } => {
                (Compatible, "the server accepts every value it accepted")
            }
            Self::FieldBecameNonNullable { side: Request, .. } => {
                (AllClients, "clients that send null are rejected")
            }
            Self::FieldBecameNonNullable {
                side: Response,
                generated_type_changes: true,
                ..
            } => (GeneratedCrate, GENERATED_TYPE),
            Self::FieldBecameNonNullable { side: Response, .. } => {
                (Compatible, "the server sends a subset of what it sent")
            }
            Self::ConstraintChanged {
                side: Request,
                effect: Effect::Wider,
                generated_type_changes: true,
                ..
            }
            | Self::ConstraintChanged {
                side: Response,
                effect: Effect::Narrower,
                generated_type_changes: true,
                ..
            } => (GeneratedCrate, GENERATED_TYPE),
            Self::ConstraintChanged {
                side: Request,
                effect: Effect::Wider,
                ..
            } => (Compatible, "the server accepts every value it accepted"),
            Self::ConstraintChanged { side: Request, .. } => (
                AllClients,
                "the server may reject values clients send (narrower or different)",
            ),
            Self::ConstraintChanged {
                side: Response,
                effect: Effect::Narrower,
                ..
            } => (Compatible, "the server sends a subset of what it sent"),
            Self::ConstraintChanged { side: Response, .. } => (
                AllClients,
                "the server may send values clients do not expect (wider or different)",
            ),
            Self::EnumValueAdded { side: Request, .. } => {
                (Compatible, "the server accepts one more value")
            }
            Self::EnumValueAdded { side: Response, .. } => (
                Compatible,
                "the wrapper's enums keep values they do not know; the generated crate holds strings",
            ),
            Self::EnumValueRemoved { side: Request, .. } => {
                (AllClients, "clients that send it are rejected")
            }
            Self::EnumValueRemoved { side: Response, .. } => (
                AllClients,
                "clients that wait for or match on it never see it again",
            ),
            Self::MemberAdded { side: Response, .. } => (
                AllClients,
                "clients decode the members the base lists: a value of the new one fails to \
                 decode, or is taken for another",
            ),
            Self::MemberAdded { side: Request, .. } => (
                Compatible,
                "the server accepts one more alternative; what clients send still matches one \
                 it had",
            ),
            Self::MemberRemoved { side: Request, .. } => (
                AllClients,
                "clients that send that alternative are rejected",
            ),
            Self::MemberRemoved { side: Response, .. } => (
                GeneratedCrate,
                "breaks direct users of the generated crate only: the server sends a subset of \
                 what it sent, but the generated enum loses the variant their code names; the \
                 wrapper absorbs it",
            ),
            Self::StatusAdded { .. } => (
                Compatible,
                "a new status that is no success: clients already handle errors they do not know",
            ),
            Self::SuccessStatusAdded {
                same_body: true, ..
            } => (
                GeneratedCrate,
                "breaks direct users of the generated crate only: it treats a status the base \
                 does not document as an unexpected response; the wrapper accepts a 2xx whose \
                 body decodes",
            ),
            Self::SuccessStatusAdded {
                same_body: false, ..
            } => (
                AllClients,
                "clients decode the success body the base documents; this success sends \
                 another, or none",
            ),
            Self::StatusRemoved { status } if status.starts_with('2') => {
                (AllClients, "clients expect that success and its body")
            }
            Self::StatusRemoved { .. } => (
                Compatible,
                "an error status the server no longer sends: clients simply stop seeing it",
            ),
            Self::SuccessStatusChanged { .. } => (
                GeneratedCrate,
                "breaks direct users of the generated crate only: it treats an undocumented \
                 status as an unexpected response; the wrapper accepts an undocumented 2xx \
                 whose body decodes",
            ),
            Self::AnnotationsChanged { .. } => (
                Compatible,
                "documentation only: nothing on the wire and no Rust type changes",
            ),
            Self::Unclassified { .. } => (
                Unclassified,
                "no rule covers it: read the change and decide",
            ),
        }
    }

    /// Whether existing clients of either crate break.
    pub fn breaking(&self) -> bool {
        matches!(
            self.classify().0,
            Impact::AllClients | Impact::GeneratedCrate
        )
    }

    /// Which group of the text output it is listed under.
    pub(super) fn group(&self, of: Of) -> &'static str {
        match (self, of) {
            (Self::Unclassified { .. }, _) => "Unclassified",
            (Self::AnnotationsChanged { .. }, _) => "Annotations",
            (Self::EnumValueAdded { .. } | Self::EnumValueRemoved { .. }, _) => "Enum values",
            (_, Of::Spec | Of::Operation) => "Operations",
            (_, Of::Security) => "Security",
            (_, Of::Parameter) => "Parameters",
            (_, Of::RequestBody) => "Request bodies",
            (_, Of::RequestField) => "Request fields",
            (_, Of::ResponseBody) => "Response bodies",
            (_, Of::ResponseField) => "Response fields",
            (_, Of::ErrorField) => "Error response fields",
            (_, Of::ResponseHeader) => "Response headers",
            (_, Of::Status) => "Status codes",
        }
    }

    /// The change in words; `noun` names what a field-like change is about.
    pub(super) fn describe(&self, noun: &str) -> String {
        let required = |r: bool| if r { "required" } else { "optional" };
        match self {
            Self::OperationAdded => "operation added".into(),
            Self::OperationRemoved => "operation removed".into(),
            Self::OperationRenamed { from, to } => {
                format!("operationId renamed from {from} to {to}")
            }
            Self::SecurityChanged { from, to, .. } => {
                format!("required security changed from {from} to {to}")
            }
            Self::SecuritySchemeChanged { from, to, .. } => {
                format!("changed from {from} to {to}")
            }
            Self::BodyAdded {
                side: Side::Request,
                required: r,
            } => format!("{} body added", required(*r)),
            Self::BodyAdded { .. } => "body added".into(),
            Self::BodyRemoved { .. } => "body removed".into(),
            Self::BodyBecameRequired => "body became required".into(),
            Self::BodyBecameOptional => "body became optional".into(),
            Self::BodySwapped {
                from,
                to,
                field_changes,
                breaking_field_changes,
                ..
            } => format!(
                "body changed from {from} to {to} \
                 ({field_changes} field change(s), {breaking_field_changes} breaking)"
            ),
            Self::FieldAdded { required: r, .. } => format!("{} {noun} added", required(*r)),
            Self::FieldRemoved { required: r, .. } => format!("{} {noun} removed", required(*r)),
            Self::FieldRetyped { from, to, .. } => format!("{noun} retyped from {from} to {to}"),
            Self::FieldBecameRequired { .. } => format!("{noun} became required"),
            Self::FieldBecameOptional { .. } => format!("{noun} became optional"),
            Self::FieldBecameNullable { required: r, .. } => {
                format!("{} {noun} became nullable", required(*r))
            }
            Self::FieldBecameNonNullable { .. } => format!("{noun} is no longer nullable"),
            Self::ConstraintChanged {
                side,
                keyword,
                from,
                to,
                effect,
                ..
            } => {
                let what = match (side, effect) {
                    (Side::Request, Effect::Narrower) => "the server accepts fewer values",
                    (Side::Request, Effect::Wider) => "the server accepts more values",
                    (Side::Response, Effect::Narrower) => "the server sends fewer values",
                    (Side::Response, Effect::Wider) => "the server may send more values",
                    (_, Effect::Different) => "neither narrower nor wider",
                };
                format!("`{keyword}` {from} -> {to}: {what}")
            }
            Self::EnumValueAdded { side, value } => {
                format!("{} enum value `{value}` added", side.name())
            }
            Self::EnumValueRemoved { side, value } => {
                format!("{} enum value `{value}` removed", side.name())
            }
            Self::MemberAdded { side, keyword } => {
                format!("member added to a {} `{keyword}`", side.name())
            }
            Self::MemberRemoved { side, keyword } => {
                format!("member removed from a {} `{keyword}`", side.name())
            }
            Self::StatusAdded { status } => format!("{status} added"),
            Self::SuccessStatusAdded {
                status,
                same_body: true,
            } => format!("success status {status} added, with the same body"),
            Self::SuccessStatusAdded { status, .. } => {
                format!("success status {status} added, with another body or none")
            }
            Self::StatusRemoved { status } => format!("{status} removed"),
            Self::SuccessStatusChanged { from, to } => {
                format!("success status changed from {from} to {to}")
            }
            Self::AnnotationsChanged { what } => {
                format!("annotations of {what} changed (descriptions, examples, `x-` extensions)")
            }
            Self::Unclassified { what } => what.clone(),
        }
    }
}

/// One change, where it is, and which operations it touches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    #[serde(flatten)]
    pub kind: Kind,
    /// What it is about.
    pub of: Of,
    /// The field (`session.e2ee.verified`; in a member of a `oneOf` or `anyOf`,
    /// `oneOf[SetupCompleteResponse].session`, or `details.anyOf[1]` for one with no component
    /// of its own), parameter (`path parameter verificationID`), body
    /// (`200 response`), header, scheme or operation (`METHOD path`) it concerns.
    pub location: String,
    /// The operations (operationIds) it touches.
    pub operations: Vec<String>,
    /// The response statuses it is found in; empty on the request side.
    pub statuses: Vec<String>,
    /// Whom it breaks.
    pub impact: Impact,
    /// Whether existing clients of either crate break.
    pub breaking: bool,
    /// The rule that classified it.
    pub rule: &'static str,
}
