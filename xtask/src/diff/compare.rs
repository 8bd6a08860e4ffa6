//! The comparison of two specs' models: every change, found per operation, then joined across
//! operations.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::model::{
    Alternative, Body, CONSTRAINTS, Field, Member, Model, Operation, Response, is_annotation,
};
use super::rules::{Change, Effect, Impact, Kind, Of, Side};

/// A change found in one operation, before the same change in other operations joins it.
#[derive(Debug)]
struct Found {
    of: Of,
    kind: Kind,
    location: String,
    status: Option<String>,
}

impl Found {
    fn new(of: Of, kind: Kind, location: impl Into<String>, status: Option<&str>) -> Self {
        Self {
            of,
            kind,
            location: location.into(),
            status: status.map(str::to_owned),
        }
    }
}

/// A security requirement in words: `bearerAuth`, `a + b`, `a or b`, `no authentication`.
fn describe_requirement(alternatives: &[Alternative]) -> String {
    alternatives
        .iter()
        .map(|alternative| {
            if alternative.is_empty() {
                return "no authentication".to_owned();
            }
            alternative
                .iter()
                .map(|(scheme, scopes)| {
                    if scopes.is_empty() {
                        scheme.clone()
                    } else {
                        let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
                        format!("{scheme} ({})", scopes.join(", "))
                    }
                })
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Whether a client that authenticates as the `old` requirement allows is still let in by
/// `new`: each old alternative must contain some new one (its schemes, with no new scopes).
fn still_accepted(old: &[Alternative], new: &[Alternative]) -> bool {
    old.iter().all(|sent| {
        new.iter().any(|wanted| {
            wanted
                .iter()
                .all(|(scheme, scopes)| sent.get(scheme).is_some_and(|had| scopes.is_subset(had)))
        })
    })
}

/// How a changed constraint moves the values allowed; `None` is "not there".
fn effect(keyword: &str, old: Option<&Value>, new: Option<&Value>) -> Effect {
    let number = |v: Option<&Value>| v.and_then(Value::as_f64);
    // A lower bound is narrower when it rises, an upper bound when it falls.
    let higher_is_narrower = match keyword {
        "minLength" | "minItems" | "minProperties" | "minimum" => Some(true),
        "maxLength" | "maxItems" | "maxProperties" | "maximum" => Some(false),
        _ => None,
    };
    match (old, new, higher_is_narrower) {
        (None, Some(_), _) => Effect::Narrower,
        (Some(_), None, _) => Effect::Wider,
        (Some(_), Some(_), Some(higher_is_narrower)) => match (number(old), number(new)) {
            (Some(a), Some(b)) if a != b && (b > a) == higher_is_narrower => Effect::Narrower,
            (Some(a), Some(b)) if a != b => Effect::Wider,
            _ => Effect::Different,
        },
        _ => Effect::Different,
    }
}

/// The integer formats typify knows, as it lists them: (format, Rust type, its `NonZero` type,
/// least value, greatest value).
const INTEGER_FORMATS: [(&str, &str, &str, f64, f64); 10] = [
    ("int8", "i8", "NonZeroU8", i8::MIN as f64, i8::MAX as f64),
    ("uint8", "u8", "NonZeroU8", u8::MIN as f64, u8::MAX as f64),
    (
        "int16",
        "i16",
        "NonZeroU16",
        i16::MIN as f64,
        i16::MAX as f64,
    ),
    (
        "uint16",
        "u16",
        "NonZeroU16",
        u16::MIN as f64,
        u16::MAX as f64,
    ),
    ("int", "i32", "NonZeroU32", i32::MIN as f64, i32::MAX as f64),
    (
        "int32",
        "i32",
        "NonZeroU32",
        i32::MIN as f64,
        i32::MAX as f64,
    ),
    (
        "uint",
        "u32",
        "NonZeroU32",
        u32::MIN as f64,
        u32::MAX as f64,
    ),
    (
        "uint32",
        "u32",
        "NonZeroU32",
        u32::MIN as f64,
        u32::MAX as f64,
    ),
    (
        "int64",
        "i64",
        "NonZeroU64",
        i64::MIN as f64,
        i64::MAX as f64,
    ),
    (
        "uint64",
        "u64",
        "NonZeroU64",
        u64::MIN as f64,
        u64::MAX as f64,
    ),
];

/// The Rust type the generated crate (progenitor 0.15, so typify 0.8) gives a value of type
/// `ty` with these constraints, as far as constraints decide it: a string with a `format` it
/// knows is that type (`ipv4`...; not the formats the pre-pass keeps as strings,
/// [`crate::prepass::FORMATS_KEPT_AS_STRINGS`]), one with a length or a `pattern` a checked
/// newtype; an integer's `format` and bounds pick its width, its sign and `NonZero`; a
/// number's `format` picks `f32`; an array whose `minItems` is its `maxItems` has a fixed
/// length. Two different answers are two different Rust types.
pub(super) fn generated_type(ty: &str, constraints: &BTreeMap<&'static str, Value>) -> String {
    let number = |key: &str| constraints.get(key).and_then(Value::as_f64);
    let text = |key: &str| constraints.get(key).and_then(Value::as_str);
    match ty {
        "string" => match text("format") {
            Some(known @ ("ip" | "ipv4" | "ipv6")) => known.to_owned(),
            _ if ["minLength", "maxLength", "pattern"]
                .iter()
                .any(|k| constraints.contains_key(k)) =>
            {
                "a checked string".to_owned()
            }
            _ => "String".to_owned(),
        },
        "integer" => integer_type(
            number("minimum")
                .map(|m| m + f64::from(u8::from(constraints.contains_key("exclusiveMinimum")))),
            number("maximum")
                .map(|m| m - f64::from(u8::from(constraints.contains_key("exclusiveMaximum")))),
            number("multipleOf"),
            text("format"),
        )
        .to_owned(),
        "number" if text("format") == Some("float") => "f32".to_owned(),
        "number" => "f64".to_owned(),
        "array" => match (number("minItems"), number("maxItems")) {
            (Some(min), Some(max))
                if min == max && max > 0.0 && !constraints.contains_key("uniqueItems") =>
            {
                format!("an array of {max}")
            }
            _ => "Vec".to_owned(),
        },
        other => other.to_owned(),
    }
}

/// The integer type typify 0.8 picks from an integer's bounds, `multipleOf` and `format`.
fn integer_type(
    mut min: Option<f64>,
    mut max: Option<f64>,
    multiple: Option<f64>,
    format: Option<&str>,
) -> &'static str {
    if let Some(&(_, ty, non_zero, least, greatest)) =
        INTEGER_FORMATS.iter().find(|f| Some(f.0) == format)
    {
        let fits = min.is_none_or(|m| m >= least) && max.is_none_or(|m| m <= greatest);
        if multiple.is_none() && fits {
            return if min == Some(1.0) { non_zero } else { ty };
        }
        min.get_or_insert(least);
        max.get_or_insert(greatest);
    }
    let matches = |a: f64, b: f64| (a - b).abs() <= f64::EPSILON;
    let picked = match (min, max) {
        (None, None) => None,
        (_, _) if min == Some(1.0) => INTEGER_FORMATS.last().map(|f| f.2),
        (None, Some(max)) => INTEGER_FORMATS
            .iter()
            .rev()
            .find(|f| matches(f.4, max))
            .map(|f| f.1),
        (Some(min), None) => INTEGER_FORMATS
            .iter()
            .rev()
            .find(|f| matches(f.3, min))
            .map(|f| f.1),
        (Some(min), Some(max)) => INTEGER_FORMATS
            .iter()
            .rev()
            .find(|f| matches(f.3, min) && matches(f.4, max))
            .map(|f| f.1),
    };
    picked.unwrap_or("i64")
}

/// Whether two values of a constraint say the same (`1` and `1.0` do).
fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a.and_then(Value::as_f64), b.and_then(Value::as_f64)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// A constraint's value in a message.
fn show(value: Option<&Value>) -> String {
    match value {
        None => "none".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Unclassified changes among what no rule reads.
fn compare_other(
    of: Of,
    location: &str,
    old: &BTreeMap<String, Value>,
    new: &BTreeMap<String, Value>,
    status: Option<&str>,
    out: &mut Vec<Found>,
) {
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for key in keys {
        let what = match (old.get(key), new.get(key)) {
            (a, b) if a == b => continue,
            (None, _) => "added",
            (_, None) => "removed",
            _ => "changed",
        };
        let kind = Kind::Unclassified {
            what: format!("`{key}` {what}; no rule covers it"),
        };
        out.push(Found::new(of, kind, location, status));
    }
}

/// `path` inside what is at `prefix`: `a.b`, `a[]`; either alone when the other is empty.
fn join(prefix: &str, path: &str) -> String {
    match (prefix, path) {
        ("", path) => path.to_owned(),
        (prefix, "") => prefix.to_owned(),
        (prefix, path) if path.starts_with('[') => format!("{prefix}{path}"),
        (prefix, path) => format!("{prefix}.{path}"),
    }
}

/// How the members of a `oneOf` or `anyOf` on the two sides pair up, as (label, old index,
/// new index), one index missing for a member added or removed; `unpaired` when members are
/// left on both sides that cannot be paired (and are in no pair).
struct Pairing {
    pairs: Vec<(String, Option<usize>, Option<usize>)>,
    unpaired: bool,
}

/// The component a member refers to, when no other member of its union refers to it too.
fn unique_component(members: &[Member], i: usize) -> Option<&str> {
    let name = members[i].component.as_deref()?;
    let count = members
        .iter()
        .filter(|m| m.component.as_deref() == Some(name))
        .count();
    (count == 1).then_some(name)
}

/// What a member goes by on its side: its [`unique_component`], else its position.
fn own_label(members: &[Member], i: usize) -> String {
    unique_component(members, i).map_or_else(|| i.to_string(), str::to_owned)
}

/// Moves into `pairs` each member left in `old_left` (in order) with the first one left in
/// `new_left` that `matches` it.
fn pair_where(
    left: (&mut Vec<usize>, &mut Vec<usize>),
    pairs: &mut Vec<(usize, usize)>,
    matches: impl Fn(usize, usize) -> bool,
) {
    let (old_left, new_left) = left;
    old_left.retain(|&o| match new_left.iter().position(|&n| matches(o, n)) {
        Some(at) => {
            pairs.push((o, new_left.remove(at)));
            false
        }
        None => true,
    });
}

/// Pairs the members of a union on both sides, in this order:
/// 1. by component: a member that is the one `$ref` of its union to a component pairs with the
///    member of the other side that is the one `$ref` to that component;
/// 2. by content: a member left that reads the same as one left on the other side pairs with
///    it (a member moved, or its component renamed or inlined, is no change);
/// 3. by position: when as many members are left on both sides, they pair in order (a member
///    edited in place, or renamed or inlined and edited).
///
/// Members then left on one side only are added or removed. Members left on both sides in
/// different numbers cannot be paired: which were added, removed or changed is a guess.
///
/// A pair goes by the label both members go by on their sides ([`own_label`]), else by both
/// labels sorted (`A|B`), so that the pairing and its labels are the same whichever side is
/// the base.
fn pair_members(old: &[Member], new: &[Member]) -> Pairing {
    let mut old_left: Vec<usize> = (0..old.len()).collect();
    let mut new_left: Vec<usize> = (0..new.len()).collect();
    let mut paired = Vec::new();
    pair_where((&mut old_left, &mut new_left), &mut paired, |o, n| {
        unique_component(old, o).is_some() && unique_component(old, o) == unique_component(new, n)
    });
    pair_where((&mut old_left, &mut new_left), &mut paired, |o, n| {
        old[o].fields == new[n].fields
    });
    let (old_only, new_only, unpaired) = if old_left.len() == new_left.len() {
        paired.extend(old_left.into_iter().zip(new_left));
        (Vec::new(), Vec::new(), false)
    } else if old_left.is_empty() || new_left.is_empty() {
        (old_left, new_left, false)
    } else {
        (Vec::new(), Vec::new(), true)
    };
    let mut pairs: Vec<(String, Option<usize>, Option<usize>)> = paired
        .into_iter()
        .map(|(o, n)| {
            let (a, b) = (own_label(old, o), own_label(new, n));
            let label = if a == b {
                a
            } else {
                format!("{}|{}", a.clone().min(b.clone()), a.max(b))
            };
            (label, Some(o), Some(n))
        })
        .collect();
    pairs.extend(
        old_only
            .into_iter()
            .map(|o| (own_label(old, o), Some(o), None)),
    );
    pairs.extend(
        new_only
            .into_iter()
            .map(|n| (own_label(new, n), None, Some(n))),
    );
    Pairing { pairs, unpaired }
}

/// The changes between the `oneOf` and `anyOf` members of the field at `location`: each pair
/// of members compared as fields at `location.oneOf[label]`, by the same rules as the rest of
/// the side they are on; a member added or removed; a union that only one side has, or whose
/// members cannot be paired, unclassified.
fn compare_unions(
    side: Side,
    of: Of,
    location: &str,
    (old, new): (&Field, &Field),
    status: Option<&str>,
    out: &mut Vec<Found>,
) {
    let keywords: BTreeSet<&'static str> = old
        .unions
        .keys()
        .chain(new.unions.keys())
        .copied()
        .collect();
    for keyword in keywords {
        let unclassified = |what: String| {
            let kind = Kind::Unclassified {
                what: format!("{what}; no rule covers it"),
            };
            Found::new(of, kind, location, status)
        };
        let (before, after) = match (old.unions.get(keyword), new.unions.get(keyword)) {
            (Some(before), Some(after)) => (before, after),
            // What kind of schema it is changed: the generator reads it another way.
            (None, _) => {
                out.push(unclassified(format!("`{keyword}` added")));
                continue;
            }
            (_, None) => {
                out.push(unclassified(format!("`{keyword}` removed")));
                continue;
            }
        };
        let pairing = pair_members(before, after);
        if pairing.unpaired {
            out.push(unclassified(format!(
                "`{keyword}` members added or removed while others changed: they cannot be paired"
            )));
        }
        for (label, o, n) in pairing.pairs {
            let at = join(location, &format!("{keyword}[{label}]"));
            let keyword = keyword.to_owned();
            match (o.map(|o| &before[o]), n.map(|n| &after[n])) {
                (Some(a), Some(b)) => {
                    compare_fields(side, of, &at, &a.fields, &b.fields, status, out)
                }
                (Some(_), None) => out.push(Found::new(
                    of,
                    Kind::MemberRemoved { side, keyword },
                    at,
                    status,
                )),
                (None, Some(_)) => out.push(Found::new(
                    of,
                    Kind::MemberAdded { side, keyword },
                    at,
                    status,
                )),
                (None, None) => {}
            }
        }
    }
}

/// The changes between two sets of fields (or parameters, or headers), located inside
/// `prefix` ("" at a body's top). A field that is added, removed or retyped stands for
/// everything under it: its own fields, and its members, are not listed again.
fn compare_fields(
    side: Side,
    of: Of,
    prefix: &str,
    old: &BTreeMap<String, Field>,
    new: &BTreeMap<String, Field>,
    status: Option<&str>,
    out: &mut Vec<Found>,
) {
    let whole: BTreeSet<&str> = old
        .iter()
        .filter(|(path, before)| new.get(*path).is_none_or(|after| after.ty != before.ty))
        .map(|(path, _)| path.as_str())
        .chain(
            new.keys()
                .filter(|path| !old.contains_key(*path))
                .map(String::as_str),
        )
        .collect();
    // A parent's location is shorter than its field's, so the walk ends; it is bounded all the
    // same: a field that was its own parent (a property named "" at the top) made it hang.
    let under_whole = |fields: &BTreeMap<String, Field>, path: &str| {
        let mut parent = fields.get(path).and_then(|f| f.parent.as_deref());
        for _ in 0..fields.len() {
            let Some(p) = parent else { break };
            if whole.contains(p) {
                return true;
            }
            parent = fields.get(p).and_then(|f| f.parent.as_deref());
        }
        false
    };
    let found = |kind: Kind, path: &str| Found::new(of, kind, join(prefix, path), status);
    // Whether the generated crate gives what is at `path` a Rust type of its own: every field
    // and path or query parameter does; it hands response headers over untyped, and the
    // pre-pass refuses header and cookie parameters.
    let typed = |path: &str| {
        let path = join(prefix, path);
        match of {
            Of::ResponseHeader => false,
            Of::Parameter => path.starts_with("path ") || path.starts_with("query "),
            _ => true,
        }
    };
    // Held in an `Option` by the generated crate: optional or nullable.
    let wrapped = |field: &Field| !field.required || field.nullable;
    for (path, before) in old {
        if under_whole(old, path) {
            continue;
        }
        let Some(after) = new.get(path) else {
            let required = before.required;
            out.push(found(Kind::FieldRemoved { side, required }, path));
            continue;
        };
        if before.ty != after.ty {
            let (from, to) = (before.ty.clone(), after.ty.clone());
            out.push(found(Kind::FieldRetyped { side, from, to }, path));
            continue;
        }
        let generated_type_changes = typed(path) && wrapped(before) != wrapped(after);
        match (before.required, after.required) {
            (false, true) => out.push(found(
                Kind::FieldBecameRequired {
                    side,
                    generated_type_changes,
                },
                path,
            )),
            (true, false) => out.push(found(
                Kind::FieldBecameOptional {
                    side,
                    generated_type_changes,
                },
                path,
            )),
            _ => {}
        }
        let required = after.required;
        match (before.nullable, after.nullable) {
            (false, true) => out.push(found(
                Kind::FieldBecameNullable {
                    side,
                    required,
                    generated_type_changes,
                },
                path,
            )),
            (true, false) => out.push(found(
                Kind::FieldBecameNonNullable {
                    side,
                    required,
                    generated_type_changes,
                },
                path,
            )),
            _ => {}
        }
        let generated_type_changes = typed(path)
            && generated_type(&before.ty, &before.constraints)
                != generated_type(&after.ty, &after.constraints);
        for keyword in CONSTRAINTS {
            let (a, b) = (
                before.constraints.get(keyword),
                after.constraints.get(keyword),
            );
            if !same(a, b) {
                let kind = Kind::ConstraintChanged {
                    side,
                    keyword: keyword.to_owned(),
                    from: show(a),
                    to: show(b),
                    effect: effect(keyword, a, b),
                    generated_type_changes,
                };
                out.push(found(kind, path));
            }
        }
        for value in after.enum_values.difference(&before.enum_values) {
            let value = value.clone();
            out.push(found(Kind::EnumValueAdded { side, value }, path));
        }
        for value in before.enum_values.difference(&after.enum_values) {
            let value = value.clone();
            out.push(found(Kind::EnumValueRemoved { side, value }, path));
        }
        let at = join(prefix, path);
        compare_other(of, &at, &before.other, &after.other, status, out);
        compare_unions(side, of, &at, (before, after), status, out);
    }
    for (path, after) in new {
        if !old.contains_key(path) && !under_whole(new, path) {
            let required = after.required;
            out.push(found(Kind::FieldAdded { side, required }, path));
        }
    }
}

/// Whether a status is a success.
pub(super) fn is_success(status: &str) -> bool {
    status.starts_with('2')
}

/// The changes between two bodies at `location` (`request body`, `200 response`, `error
/// response`). A body whose schema is another component now is summed up in one line.
fn compare_bodies(
    models: (&Model, &Model),
    side: Side,
    location: &str,
    (old, new): (Option<&Body>, Option<&Body>),
    status: Option<&str>,
    out: &mut Vec<Found>,
) {
    let of = match side {
        Side::Request => Of::RequestBody,
        Side::Response => Of::ResponseBody,
    };
    let of_fields = match (side, status) {
        (Side::Request, _) => Of::RequestField,
        (Side::Response, Some(status)) if !is_success(status) => Of::ErrorField,
        (Side::Response, _) => Of::ResponseField,
    };
    let (old, new) = match (old, new) {
        (None, None) => return,
        (None, Some(new)) => {
            let required = new.required;
            let kind = Kind::BodyAdded { side, required };
            return out.push(Found::new(of, kind, location, status));
        }
        (Some(_), None) => {
            let kind = Kind::BodyRemoved { side };
            return out.push(Found::new(of, kind, location, status));
        }
        (Some(old), Some(new)) => (old, new),
    };
    if side == Side::Request {
        match (old.required, new.required) {
            (false, true) => out.push(Found::new(of, Kind::BodyBecameRequired, location, status)),
            (true, false) => out.push(Found::new(of, Kind::BodyBecameOptional, location, status)),
            _ => {}
        }
    }
    compare_other(of, location, &old.other, &new.other, status, out);
    let mut fields = Vec::new();
    compare_fields(
        side,
        of_fields,
        "",
        &old.fields,
        &new.fields,
        status,
        &mut fields,
    );
    for found in &mut fields {
        // The schema's top is at "": name it after the body.
        if found.location.is_empty() {
            found.location = format!("{location} body");
        }
    }
    // A body whose component is renamed (the old name gone from the head, the new one absent
    // from the base) is the same body: a name is no part of the wire, so its field changes are
    // listed one by one, and none is no change. A swap, in one line, is a body that is now
    // another component of the base.
    let renamed =
        !models.1.schemas.contains(&old.schema) && !models.0.schemas.contains(&new.schema);
    if old.schema == new.schema || fields.is_empty() || renamed {
        out.extend(fields);
        return;
    }
    let impacts: Vec<Impact> = fields.iter().map(|f| f.kind.classify().0).collect();
    let kind = Kind::BodySwapped {
        side,
        from: old.schema.clone(),
        to: new.schema.clone(),
        field_changes: fields.len(),
        breaking_field_changes: fields.iter().filter(|f| f.kind.breaking()).count(),
        worst: impacts.into_iter().max().unwrap_or(Impact::Compatible),
    };
    out.push(Found::new(of, kind, location, status));
}

/// The changes between two responses documented for the same status (or for the one success
/// status on each side).
fn compare_responses(
    models: (&Model, &Model),
    status: &str,
    old: &Response,
    new: &Response,
    out: &mut Vec<Found>,
) {
    let location = if is_success(status) {
        format!("{status} response")
    } else {
        "error response".to_owned()
    };
    let bodies = (old.body.as_ref(), new.body.as_ref());
    compare_bodies(models, Side::Response, &location, bodies, Some(status), out);
    let (side, of) = (Side::Response, Of::ResponseHeader);
    compare_fields(side, of, "", &old.headers, &new.headers, Some(status), out);
    compare_other(
        Of::ResponseBody,
        &location,
        &old.other,
        &new.other,
        Some(status),
        out,
    );
}

/// The changes in one operation found on both sides.
fn compare_operation(
    key: &str,
    (old_model, new_model): (&Model, &Model),
    old: &Operation,
    new: &Operation,
    out: &mut Vec<Found>,
) {
    let models = (old_model, new_model);
    if old.id != new.id {
        let (from, to) = (old.id.clone(), new.id.clone());
        out.push(Found::new(
            Of::Operation,
            Kind::OperationRenamed { from, to },
            key,
            None,
        ));
    }
    compare_other(Of::Operation, key, &old.other, &new.other, None, out);
    if old.security != new.security {
        let kind = Kind::SecurityChanged {
            from: describe_requirement(&old.security),
            to: describe_requirement(&new.security),
            still_accepted: still_accepted(&old.security, &new.security),
        };
        out.push(Found::new(Of::Security, kind, "security", None));
    }
    // A scheme required on both sides must be sent the same way.
    let required = |op: &Operation| -> BTreeSet<String> {
        op.security.iter().flat_map(|a| a.keys().cloned()).collect()
    };
    for name in required(old).intersection(&required(new)) {
        let undefined = || ("undefined".to_owned(), Value::Null);
        let before = old_model
            .schemes
            .get(name)
            .cloned()
            .unwrap_or_else(undefined);
        let after = new_model
            .schemes
            .get(name)
            .cloned()
            .unwrap_or_else(undefined);
        if before.1 != after.1 {
            let to = if before.0 == after.0 {
                format!("{} with other settings", after.0)
            } else {
                after.0
            };
            let kind = Kind::SecuritySchemeChanged {
                scheme: name.clone(),
                from: before.0,
                to,
            };
            out.push(Found::new(
                Of::Security,
                kind,
                format!("security scheme {name}"),
                None,
            ));
        }
    }
    let (side, of) = (Side::Request, Of::Parameter);
    compare_fields(side, of, "", &old.parameters, &new.parameters, None, out);
    let bodies = (old.body.as_ref(), new.body.as_ref());
    compare_bodies(models, Side::Request, "request body", bodies, None, out);

    let successes = |op: &Operation| -> Vec<String> {
        op.responses
            .keys()
            .filter(|s| is_success(s))
            .cloned()
            .collect()
    };
    let moved = match (successes(old).as_slice(), successes(new).as_slice()) {
        ([from], [to]) if from != to => Some((from.clone(), to.clone())),
        _ => None,
    };
    if let Some((from, to)) = &moved {
        let kind = Kind::SuccessStatusChanged {
            from: from.clone(),
            to: to.clone(),
        };
        out.push(Found::new(Of::Status, kind, "response status", None));
        if let (Some(before), Some(after)) = (old.responses.get(from), new.responses.get(to)) {
            compare_responses(models, to, before, after, out);
        }
    }
    let is_moved = |status: &String| {
        moved
            .as_ref()
            .is_some_and(|(from, to)| status == from || status == to)
    };
    for (status, before) in &old.responses {
        match new.responses.get(status) {
            Some(after) => compare_responses(models, status, before, after, out),
            None if is_moved(status) => {}
            None => {
                let kind = Kind::StatusRemoved {
                    status: status.clone(),
                };
                out.push(Found::new(Of::Status, kind, "response status", None));
            }
        }
    }
    let documented = successes(old);
    for (status, after) in &new.responses {
        if old.responses.contains_key(status) || is_moved(status) {
            continue;
        }
        let kind = if is_success(status) {
            // Another success beside the one clients know: does it send the body they decode?
            let same_body = match documented.as_slice() {
                [known] => old.responses.get(known).is_some_and(|before| {
                    let mut found = Vec::new();
                    let bodies = (before.body.as_ref(), after.body.as_ref());
                    compare_bodies(models, Side::Response, "", bodies, Some(status), &mut found);
                    found.is_empty()
                }),
                _ => false,
            };
            Kind::SuccessStatusAdded {
                status: status.clone(),
                same_body,
            }
        } else {
            Kind::StatusAdded {
                status: status.clone(),
            }
        };
        out.push(Found::new(Of::Status, kind, "response status", None));
    }
}

/// `value` without its annotations, at any depth; the names of server `variables` are names,
/// not keywords, and stay.
fn without_annotations(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| !is_annotation(key))
                .map(|(key, child)| {
                    let child = match (key.as_str(), child) {
                        ("variables", Value::Object(vars)) => Value::Object(
                            vars.iter()
                                .map(|(n, v)| (n.clone(), without_annotations(v)))
                                .collect(),
                        ),
                        _ => without_annotations(child),
                    };
                    (key.clone(), child)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_annotations).collect()),
        other => other.clone(),
    }
}

/// The operations (operationIds) and the response statuses a change is found in.
type Where = (BTreeSet<String>, BTreeSet<String>);

/// Every change from `old` (the base) to `new` (the head), the same change in several
/// operations listed once.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let (old, new) = (Model::read(old), Model::read(new));
    // By what, which change and where: the operations and statuses it is found in.
    let mut merged: BTreeMap<(Of, Kind, String), Where> = BTreeMap::new();
    let mut add = |found: Vec<Found>, operation: Option<&str>| {
        for f in found {
            let entry = merged.entry((f.of, f.kind, f.location)).or_default();
            entry.0.extend(operation.map(str::to_owned));
            entry.1.extend(f.status);
        }
    };

    let mut document = Vec::new();
    if old.servers != new.servers
        && without_annotations(&old.servers) == without_annotations(&new.servers)
    {
        let kind = Kind::AnnotationsChanged {
            what: "`servers`".into(),
        };
        document.push(Found::new(Of::Spec, kind, "", None));
    } else if old.servers != new.servers {
        let what = "`servers` changed; no rule covers it (the wrapper's default base URL is \
                    set by hand: check it)";
        let kind = Kind::Unclassified { what: what.into() };
        document.push(Found::new(Of::Spec, kind, "", None));
    }
    // A reference broken on one side hides what is behind it: no verdict can be given. One
    // broken the same way on both sides hides nothing that changed (lint reports it).
    for (name, model, other) in [("base", &old, &new), ("head", &new, &old)] {
        for (at, reference) in &model.unresolved {
            if other.unresolved.contains(&(at.clone(), reference.clone())) {
                continue;
            }
            let what = format!("`$ref` {reference} does not resolve in the {name}");
            let kind = Kind::Unclassified { what };
            document.push(Found::new(Of::Spec, kind, at.clone(), None));
        }
    }
    add(document, None);

    let keys: BTreeSet<&String> = old.operations.keys().chain(new.operations.keys()).collect();
    for key in keys {
        let mut found = Vec::new();
        let id = match (old.operations.get(key), new.operations.get(key)) {
            (Some(before), Some(after)) => {
                compare_operation(key, (&old, &new), before, after, &mut found);
                &after.id
            }
            (Some(before), None) => {
                found.push(Found::new(
                    Of::Operation,
                    Kind::OperationRemoved,
                    key.clone(),
                    None,
                ));
                &before.id
            }
            (None, Some(after)) => {
                found.push(Found::new(
                    Of::Operation,
                    Kind::OperationAdded,
                    key.clone(),
                    None,
                ));
                &after.id
            }
            (None, None) => continue,
        };
        add(found, Some(id));
    }
    merged
        .into_iter()
        .map(|((of, kind, location), (operations, statuses))| {
            let (impact, rule) = kind.classify();
            Change {
                breaking: kind.breaking(),
                kind,
                of,
                location,
                operations: operations.into_iter().collect(),
                statuses: statuses.into_iter().collect(),
                impact,
                rule,
            }
        })
        .collect()
}
