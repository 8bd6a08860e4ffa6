//! `diff`'s reading of two documents: no panic on any pair, no change between a document and
//! itself, and the same changed locations whichever side is the base.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::{edited, edits, json_value, near_valid_compact_spec};
use crate::diff::{Change, diff, exit_code, render};

/// Where a change is: what it is about and its location. The body of a success response is
/// named after its status, which differs by side when the success status moved (`200 response`
/// from one side is `201 response` from the other), so success statuses are left out.
fn locations(changes: &[Change]) -> BTreeSet<(String, String)> {
    changes
        .iter()
        .map(|c| {
            let of = format!("{:?}", c.of);
            let location = match c.location.split_once(' ') {
                Some((status, rest)) if status.starts_with('2') && rest.starts_with("response") => {
                    format!("success {rest}")
                }
                _ => c.location.clone(),
            };
            (of, location)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// A document compared with itself has no change, prints "No changes." and exits 0.
    #[test]
    fn a_document_against_itself_is_no_change(
        doc in prop_oneof![3 => near_valid_compact_spec(), 1 => json_value()]
    ) {
        let changes = diff(&doc, &doc);
        prop_assert!(changes.is_empty(), "{:#?}", changes);
        prop_assert_eq!(render(&changes), "No changes.\n");
        prop_assert_eq!(exit_code(&changes), 0);
    }

    /// Whichever side is the base, the same locations changed, and the run fails or passes
    /// alike when nothing changed.
    #[test]
    fn both_directions_agree_on_what_changed(
        base in near_valid_compact_spec(),
        edits in edits(),
    ) {
        let head = edited(&base, &edits);
        let forward = diff(&base, &head);
        let backward = diff(&head, &base);
        prop_assert_eq!(locations(&forward), locations(&backward));
        prop_assert_eq!(forward.is_empty(), backward.is_empty());
    }

    /// Any two values compare without a panic.
    #[test]
    fn any_two_values_compare(base in json_value(), head in json_value()) {
        let changes = diff(&base, &head);
        let _ = render(&changes);
    }
}
