//! Notes: the timeline with its "add note" form (and a "set follow-up" per note) on every record
//! screen, and the knowledge-base search screen.

use crm_model::{ApiError, Id, InvitationOutcome, NoteInput, NoteSubject};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api,
    app::{View, use_nav},
    components::{IdSelect, active_users, code_choices, field_error},
    format,
    tasks::{FollowUpForm, outcome_line},
};

/// The notes about one record, newest first, with a form to add one.
#[component]
pub fn NotesCard(
    /// The record the notes are about.
    subject: NoteSubject,
    /// Called after a note was added (the record's newest-note date has moved).
    #[prop(optional)]
    on_added: Option<Callback<()>>,
) -> impl IntoView {
    let notes = LocalResource::new(move || api::note_list(subject));
    let lists = LocalResource::new(api::code_lists);
    let body = RwSignal::new(String::new());
    let note_type = RwSignal::new(None::<Id>);
    let author = RwSignal::new(None::<Id>);
    let error = RwSignal::new(None::<ApiError>);
    // The note whose follow-up form is open, and the line the last follow-up left under its note.
    let following = RwSignal::new(None::<Id>);
    let followed = RwSignal::new(None::<(Id, String, InvitationOutcome)>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = NoteInput { subject, body: body.get_untracked(), note_type_id: note_type.get_untracked(), author_id: author.get_untracked() };
        spawn_local(async move {
            match api::note_create(&input).await {
                Ok(_) => {
                    body.set(String::new());
                    error.set(None);
                    notes.refetch();
                    if let Some(on_added) = on_added {
                        on_added.run(());
                    }
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card wide" id="notes">
            <h2>"Notes"</h2>
            <form class="note-form" on:submit=add>
                <label class="sr-only" for="note-body">"Note"</label>
                <textarea id="note-body" rows="3" placeholder="Log a call, a meeting, a follow-up…"
                    prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                <p class="field-error" data-field="body" role="alert">{move || field_error(error, "body").get()}</p>
                <div class="inline">
                    <IdSelect id="note-type" placeholder="Note type" value=note_type
                        options=code_choices(lists, |l| l.note_types.iter().filter(|t| t.active).map(|t| (t.id, t.name.clone())).collect())/>
                    <IdSelect id="note-author" placeholder="Author" value=author
                        options=code_choices(lists, active_users)/>
                    <button type="submit" class="primary" id="add-note">"Add note"</button>
                </div>
            </form>
            {move || notes.get().map(|result| match result {
                Ok(notes) if notes.is_empty() => view! { <p class="muted">"No notes yet."</p> }.into_any(),
                Ok(notes) => view! {
                    <ol class="timeline">
                        {notes.into_iter().map(|note| {
                            let note_id = note.id;
                            let body = note.body.clone();
                            view! {
                                <li data-note=note_id.to_string()>
                                    <div class="note-meta">
                                        {note.note_type.map(|t| view! { <span class="tag">{t}</span> })}
                                        <strong>{note.author.unwrap_or_else(|| "Unknown author".into())}</strong>
                                        <span class="muted small">{format::local_time(&note.created_at)}</span>
                                        <button class="ghost small follow-up" data-note=note_id.to_string()
                                            aria-expanded=move || (following.get() == Some(note_id)).to_string()
                                            on:click=move |_| following.update(|open| *open = if *open == Some(note_id) { None } else { Some(note_id) })
                                        >"Set follow-up"</button>
                                    </div>
                                    <p class="note-body">{note.body}</p>
                                    {move || (following.get() == Some(note_id)).then(|| view! {
                                        <FollowUpForm note_id note_body=body.clone()
                                            on_saved=Callback::new(move |(done, invitation)| {
                                                following.set(None);
                                                followed.set(Some((note_id, done, invitation)));
                                            })
                                            on_cancel=Callback::new(move |_| following.set(None))/>
                                    })}
                                    {move || followed.get().filter(|(id, ..)| *id == note_id).map(|(_, done, invitation)| outcome_line("follow-up-outcome", &done, &invitation))}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any(),
                Err(e) => view! { <p class="error">{e.message}</p> }.into_any(),
            })}
        </section>
    }
}

/// Full-text search over every note, opening the record a hit belongs to.
#[component]
pub fn NoteSearch() -> impl IntoView {
    let nav = use_nav();
    let text = RwSignal::new(String::new());
    let hits = LocalResource::new(move || {
        let text = text.get();
        async move { api::note_search(&text).await }
    });
    view! {
        <header class="page-head"><h1>"Notes"</h1></header>
        <div class="toolbar">
            <input type="search" id="note-search" class="search" autofocus aria-label="Search notes"
                placeholder="Search every note: words or their beginnings"
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
        </div>
        {move || hits.get().map(|result| match result {
            Ok(hits) if hits.is_empty() && !text.with(|t| t.trim().is_empty()) => view! { <p class="muted pad">"No note matches."</p> }.into_any(),
            Ok(hits) => view! {
                <ol class="timeline hits" id="note-hits">
                    {hits.into_iter().map(|hit| {
                        let target = View::of(hit.note.subject);
                        view! {
                            <li class="hit" tabindex="0" on:click=move |_| nav.set(target) on:keydown=move |ev| crate::components::row_keys(&ev)>
                                <div class="note-meta">
                                    <strong>{hit.subject_name}</strong>
                                    {hit.note.note_type.map(|t| view! { <span class="tag">{t}</span> })}
                                    <span class="muted small">{format::local_time(&hit.note.created_at)}</span>
                                </div>
                                <p class="note-body">{highlight(&hit.snippet)}</p>
                            </li>
                        }
                    }).collect_view()}
                </ol>
            }.into_any(),
            Err(e) => view! { <div class="banner error" role="alert">{e.message}</div> }.into_any(),
        })}
    }
}

/// The snippet's `[matched]` words as `<mark>` elements (built as nodes, never as HTML text).
fn highlight(snippet: &str) -> impl IntoView + use<> {
    let mut parts = Vec::new();
    let mut rest = snippet;
    while let Some(start) = rest.find('[') {
        let Some(end) = rest[start..].find(']') else { break };
        parts.push((rest[..start].to_owned(), false));
        parts.push((rest[start + 1..start + end].to_owned(), true));
        rest = &rest[start + end + 1..];
    }
    parts.push((rest.to_owned(), false));
    parts
        .into_iter()
        .map(|(text, marked)| if marked { view! { <mark>{text}</mark> }.into_any() } else { text.into_any() })
        .collect_view()
}
