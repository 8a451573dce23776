use crm_model::{ErrorKind, UserInput};
use uuid::Uuid;

use crate::testing::{assert_invalid, change_log, store};

fn maria() -> UserInput {
    UserInput { name: "Maria Santos".into(), email: "maria@keel.example".into(), active: true }
}

#[test]
fn users_are_created_listed_and_deactivated() {
    let mut store = store();
    let maria = store.user_create(maria()).unwrap();
    let bob = store.user_create(UserInput { name: "Bob Chen".into(), ..UserInput::default() }).unwrap();
    store.user_update(bob.id, UserInput { active: false, ..UserInput { name: "Bob Chen".into(), ..Default::default() } }).unwrap();
    let names: Vec<(String, bool)> = store.user_list().unwrap().into_iter().map(|u| (u.name, u.active)).collect();
    assert_eq!(names, [("Maria Santos".to_owned(), true), ("Bob Chen".to_owned(), false)], "active users first");
    assert_eq!(store.user_get(maria.id).unwrap().email, "maria@keel.example");
    assert!(change_log(&store).iter().any(|(table, column, _)| table == "app_user" && column.as_deref() == Some("active")));
}

#[test]
fn user_validation_and_unknown_ids() {
    let mut store = store();
    assert_invalid(store.user_create(UserInput::default()), &["name"]);
    assert_invalid(store.user_create(UserInput { email: "maria@".into(), ..maria() }), &["email"]);
    assert_invalid(store.user_create(UserInput { name: "M".repeat(101), ..maria() }), &["name"]);
    assert_eq!(store.user_update(Uuid::now_v7(), maria()).unwrap_err().kind(), ErrorKind::NotFound);
    assert!(store.user_list().unwrap().is_empty());
}
