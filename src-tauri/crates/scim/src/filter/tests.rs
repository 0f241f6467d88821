use super::*;
use proptest::prelude::*;
use serde_json::json;

/// Every filter example of RFC 7644 section 3.4.2.2.
const RFC_EXAMPLES: &[&str] = &[
    r#"userName eq "bjensen""#,
    r#"name.familyName co "O'Malley""#,
    r#"userName sw "J""#,
    r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
    r#"title pr"#,
    r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
    r#"title pr and userType eq "Employee""#,
    r#"title pr or userType eq "Intern""#,
    r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
    r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType eq "Employee" and (emails.type eq "work")"#,
    r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
    r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
];

#[test]
fn every_rfc_example_parses_and_round_trips() {
    for src in RFC_EXAMPLES {
        let f = parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        let printed = f.to_string();
        assert_eq!(parse(&printed).unwrap(), f, "{src} -> {printed}");
    }
}

#[test]
fn precedence_is_not_then_and_then_or() {
    let f = parse(r#"a eq 1 or b eq 2 and c eq 3"#).unwrap();
    assert_eq!(
        f,
        AttrPath::new("a")
            .eq(1)
            .or(AttrPath::new("b").eq(2).and(AttrPath::new("c").eq(3)))
    );
    let g = parse(r#"(a eq 1 or b eq 2) and c eq 3"#).unwrap();
    assert_eq!(g.to_string(), r#"(a eq 1 or b eq 2) and c eq 3"#);
    let h = parse(r#"a pr and (b pr and c pr)"#).unwrap();
    assert_eq!(
        h.to_string(),
        "a pr and (b pr and c pr)",
        "right nesting keeps its parens"
    );
    let left = parse("a pr and b pr and c pr").unwrap();
    assert_eq!(left.to_string(), "a pr and b pr and c pr");
}

#[test]
fn keywords_and_operators_ignore_case() {
    let f = parse(r#"userName EQ "x" AND NOT (active Eq False) Or title PR"#).unwrap();
    assert_eq!(
        f.to_string(),
        r#"userName eq "x" and not (active eq false) or title pr"#
    );
}

#[test]
fn urn_paths_split_at_the_last_colon() {
    let f = parse(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "42""#,
    )
    .unwrap();
    match f {
        Filter::Compare { path, .. } => {
            assert_eq!(
                path.urn.as_deref(),
                Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
            );
            assert_eq!(path.name, "manager");
            assert_eq!(path.sub.as_deref(), Some("value"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn values_of_every_kind() {
    for (src, want) in [
        ("x eq null", CompValue::Null),
        ("x eq true", CompValue::Bool(true)),
        ("x eq -12", CompValue::Number((-12).into())),
        (
            "x eq 1.5e3",
            CompValue::Number(serde_json::Number::from_f64(1500.0).unwrap()),
        ),
        (
            r#"x eq "a \"q\" \\ \u00e9""#,
            CompValue::String("a \"q\" \\ é".into()),
        ),
    ] {
        match parse(src).unwrap() {
            Filter::Compare { value, .. } => assert_eq!(value, want, "{src}"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn errors_say_what_and_where() {
    for (src, pos, needle) in [
        ("", 0, "empty"),
        ("userName", 8, "operator"),
        ("userName eq", 11, "value"),
        (r#"userName eq "x"#, 12, "closing quote"),
        ("userName eq bjensen", 12, "double quotes"),
        ("userName foo \"x\"", 9, "not an operator"),
        (r#"(a eq "x""#, 9, "closing parenthesis"),
        (r#"a eq "x")"#, 8, "without a matching"),
        (r#"emails[type eq "work""#, 21, "closing bracket"),
        (r#"a eq "x" b eq "y""#, 9, "\"and\", \"or\""),
        (r#"1abc eq "x""#, 0, "not an attribute name"),
        (r#"a[b[c pr]]"#, 3, "another"),
    ] {
        let e = parse(src).expect_err(src);
        assert_eq!(e.position, pos, "{src}: {e}");
        assert!(e.message.contains(needle), "{src}: {e}");
    }
}

#[test]
fn the_builder_writes_the_same_filters() {
    let f = AttrPath::new("userType").eq("Employee").and(
        AttrPath::new("emails").having(
            AttrPath::new("type")
                .eq("work")
                .and(AttrPath::new("value").co("@example.com")),
        ),
    );
    assert_eq!(f.to_string(), RFC_EXAMPLES[15]);
    assert_eq!(f.node_count(), 6);
    let paths: Vec<String> = f.paths().iter().map(ToString::to_string).collect();
    assert_eq!(paths, ["userType", "emails.type", "emails.value"]);
}

fn bjensen() -> serde_json::Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "bjensen",
        "userName": "bjensen",
        "name": {"familyName": "Jensen", "givenName": "Barbara"},
        "title": "Tour Guide",
        "userType": "Employee",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "meta": {"lastModified": "2011-05-13T04:42:34Z", "created": "2010-01-23T04:56:22Z"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984", "department": "Tour Operations",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
        }
    })
}

fn check(src: &str) -> bool {
    matches(&parse(src).unwrap(), &bjensen(), &default_case_exact)
}

#[test]
fn the_evaluator_follows_rfc_semantics() {
    let yes = [
        r#"userName eq "BJENSEN""#,
        r#"USERNAME eq "bjensen""#,
        r#"name.familyName co "ense""#,
        r#"userName sw "bj""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "B""#,
        r#"title pr"#,
        r#"meta.lastModified gt "2011-05-13T04:42:33Z""#,
        r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#,
        r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
        r#"title pr and userType eq "Employee""#,
        r#"emails co "example.com""#,
        r#"emails.value ew "jensen.org""#,
        r#"emails[type eq "work" and value co "@example.com"]"#,
        r#"active eq true"#,
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tour operations""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr"#,
        r#"nickName eq null"#,
        r#"nickName ne "x""#,
        r#"not (userType eq "Intern")"#,
    ];
    for src in yes {
        assert!(check(src), "should match: {src}");
    }
    let no = [
        r#"externalId eq "BJENSEN""#, // caseExact
        r#"userName eq "jensen""#,
        r#"nickName pr"#,
        r#"emails[type eq "home" and value co "@example.com"]"#,
        r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
        r#"active eq false"#,
        r#"userType ne "Employee""#,
        r#"title pr and userType eq "Intern""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales""#,
    ];
    for src in no {
        assert!(!check(src), "should not match: {src}");
    }
}

fn arb_name() -> impl Strategy<Value = String> {
    "[a-zA-Z][a-zA-Z0-9_-]{0,6}"
}

fn arb_path() -> impl Strategy<Value = AttrPath> {
    (
        prop::option::of(Just(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_string(),
        )),
        arb_name(),
        prop::option::of(arb_name()),
    )
        .prop_map(|(urn, name, sub)| AttrPath { urn, name, sub })
}

fn arb_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|n| CompValue::Number(n.into())),
        any::<f64>()
            .prop_filter_map("finite", serde_json::Number::from_f64)
            .prop_map(CompValue::Number),
        any::<String>().prop_map(CompValue::String),
    ]
}

fn arb_leaf() -> impl Strategy<Value = Filter> {
    prop_oneof![
        arb_path().prop_map(Filter::Present),
        (
            arb_path(),
            prop::sample::select(CompareOp::ALL.to_vec()),
            arb_value()
        )
            .prop_map(|(path, op, value)| Filter::Compare { path, op, value }),
    ]
}

fn arb_tree(leaf: BoxedStrategy<Filter>) -> BoxedStrategy<Filter> {
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.and(b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.or(b)),
            inner.prop_map(Filter::negate),
        ]
    })
    .boxed()
}

fn arb_filter() -> impl Strategy<Value = Filter> {
    let simple_leaf = arb_leaf().boxed();
    let value_path = (
        arb_name(),
        arb_tree(
            (
                arb_name(),
                prop::sample::select(CompareOp::ALL.to_vec()),
                arb_value(),
            )
                .prop_map(|(n, op, value)| Filter::Compare {
                    path: AttrPath::new(n),
                    op,
                    value,
                })
                .boxed(),
        ),
    )
        .prop_map(|(n, f)| AttrPath::new(n).having(f));
    arb_tree(prop_oneof![3 => simple_leaf, 1 => value_path].boxed())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_of_print_is_the_same_filter(f in arb_filter()) {
        let printed = f.to_string();
        let parsed = parse(&printed);
        prop_assert_eq!(parsed.as_ref(), Ok(&f), "printed: {}", printed);
    }

    #[test]
    fn the_parser_never_panics(s in "\\PC{0,60}") {
        let _ = parse(&s);
    }

    #[test]
    fn the_parser_never_panics_on_filter_like_text(
        s in r#"[a-z:. ()\[\]"\\0-9]{0,40}( (eq|and|or|not|pr) )?[a-z:. ()\[\]"\\0-9]{0,20}"#
    ) {
        if let Ok(f) = parse(&s) {
            prop_assert_eq!(parse(&f.to_string()), Ok(f));
        }
    }
}

/// Found by the bounded fuzz run: thousands of nested parentheses overflowed the stack.
#[test]
fn deep_nesting_and_huge_filters_are_refused_not_crashed_on() {
    let deep = format!("{}a eq 1{}", "(".repeat(10_000), ")".repeat(10_000));
    let e = parse(&deep).unwrap_err();
    assert!(e.message.contains("nested more than 64"), "{e:?}");
    let nots = format!("{}a pr{}", "not (".repeat(5_000), ")".repeat(5_000));
    assert!(parse(&nots).is_err());
    let many = vec!["a eq 1"; 2_000].join(" and ");
    assert!(parse(&many)
        .unwrap_err()
        .message
        .contains("1000 conditions"));
    let fine = format!("{}a eq 1{}", "(".repeat(60), ")".repeat(60));
    assert!(parse(&fine).is_ok());
}
