//! Small pieces every screen shares.

use crm_model::{ApiError, ChartSvg, CodeLists, Count, Id, ListQuery, Page, PageAt, SortDir};
use std::future::Future;

use leptos::{prelude::*, task::spawn_local};

use crate::format;

/// A labelled text input with its validation message underneath.
#[component]
pub fn TextField(
    /// Visible label.
    label: &'static str,
    /// The field's name in the wire type; the core reports errors under this name.
    name: &'static str,
    /// The current value.
    #[prop(into)]
    value: Signal<String>,
    /// Called with the new text on every keystroke.
    on_input: impl Fn(String) + 'static,
    /// The validation message for this field, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// Longest text the core accepts (from `crm_model::limits`).
    maxlength: usize,
    /// The input type: `text`, `email`, `tel`, `url`.
    #[prop(default = "text")]
    kind: &'static str,
    /// Marks the label as required.
    #[prop(optional)]
    required: bool,
    /// The input's element id; `field-<name>` when not given.
    #[prop(optional)]
    id: &'static str,
    /// An example of what to type, shown while the input is empty.
    #[prop(optional)]
    placeholder: &'static str,
) -> impl IntoView {
    let id = if id.is_empty() { format!("field-{name}") } else { id.to_owned() };
    let placeholder = (!placeholder.is_empty()).then_some(placeholder);
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}{required.then_some(view! { <span class="req" aria-hidden="true">" *"</span> })}</label>
            <input
                id=id
                name=name
                type=kind
                maxlength=maxlength
                placeholder=placeholder
                prop:value=move || value.get()
                on:input=move |ev| on_input(event_target_value(&ev))
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=error_id.clone()
            />
            <p class="field-error" id=error_id data-field=name role="alert">{move || error.get()}</p>
        </div>
    }
}

/// A labelled control of any kind (select, textarea, …) with its validation message underneath:
/// what [`TextField`] is for text inputs.
#[component]
pub fn Field(
    /// Visible label.
    label: &'static str,
    /// The field's name in the wire type; the core reports errors under this name.
    name: &'static str,
    /// The element id of the control, for the label.
    for_id: &'static str,
    /// The validation message for this field, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// The control.
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=for_id>{label}</label>
            {children()}
            <p class="field-error" data-field=name role="alert">{move || error.get()}</p>
        </div>
    }
}

/// A drop-down of the IANA time zones the core knows (loaded once per picker).
#[component]
pub fn ZoneSelect(
    /// The element id.
    id: &'static str,
    /// The chosen zone, e.g. `Europe/Berlin`.
    value: RwSignal<String>,
) -> impl IntoView {
    let zones = LocalResource::new(crate::api::time_zones);
    // Until the list arrives (or if it cannot), the current zone is the only choice.
    let choices = move || {
        let current = value.get();
        let mut zones = zones.get().and_then(Result::ok).unwrap_or_default();
        if !zones.contains(&current) {
            zones.insert(0, current);
        }
        zones
    };
    view! {
        <select id=id aria-label="Time zone" on:change=move |ev| value.set(event_target_value(&ev))>
            {move || choices().into_iter().map(|zone| {
                let selected = value.with_untracked(|v| *v == zone);
                view! { <option value=zone.clone() selected=selected>{zone.clone()}</option> }
            }).collect_view()}
        </select>
    }
}

/// A chart the core rendered (plotters SVG), shown as an image.
pub fn chart_svg(chart: ChartSvg) -> impl IntoView {
    view! { <div class="svg" role="img" aria-label=chart.title inner_html=chart.svg></div> }
}

/// A drop-down of records by id, with an empty choice.
#[component]
pub fn IdSelect(
    /// The element id (also the label's `for`).
    id: &'static str,
    /// The text of the empty choice.
    placeholder: &'static str,
    /// The chosen id.
    value: RwSignal<Option<Id>>,
    /// The choices as `(id, label)`.
    #[prop(into)]
    options: Signal<Vec<(Id, String)>>,
) -> impl IntoView {
    view! {
        <select id=id aria-label=placeholder on:change=move |ev| value.set(event_target_value(&ev).parse().ok())>
            <option value="" selected=move || value.get().is_none()>{placeholder}</option>
            {move || options.get().into_iter().map(|(option_id, label)| view! {
                <option value=option_id.to_string() selected=move || value.get() == Some(option_id)>{label}</option>
            }).collect_view()}
        </select>
    }
}

/// Choices for an [`IdSelect`], picked from the code lists once they have loaded.
pub fn code_choices(lists: LocalResource<Result<CodeLists, ApiError>>, pick: fn(&CodeLists) -> Vec<(Id, String)>) -> Signal<Vec<(Id, String)>> {
    Signal::derive(move || lists.get().and_then(Result::ok).map(|l| pick(&l)).unwrap_or_default())
}

/// The active users, as choices for a rep or an author.
pub fn active_users(lists: &CodeLists) -> Vec<(Id, String)> {
    lists.users.iter().filter(|u| u.active).map(|u| (u.id, u.name.clone())).collect()
}

/// A form's error for one field, as a signal for [`TextField`].
pub fn field_error(error: RwSignal<Option<ApiError>>, name: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || error.with(|e| e.as_ref().and_then(|e| e.field(name)).map(str::to_owned)))
}

/// An error that is not about one field (storage, not found, ...), shown above the content.
#[component]
pub fn ErrorBanner(#[prop(into)] error: Signal<Option<ApiError>>) -> impl IntoView {
    move || {
        error.get().map(|error| {
            let text = if error.fields.is_empty() { error.message } else { "Please correct the highlighted fields.".to_owned() };
            view! { <div class="banner error" role="alert">{text}</div> }
        })
    }
}

/// A column header that sorts the list by `key`; clicking again flips the direction.
#[component]
pub fn SortHeader(
    /// Visible column title.
    label: &'static str,
    /// Sort name understood by the core.
    key: &'static str,
    /// The list's query; its `sort` and `dir` are set on click, and it goes back to the first page.
    query: RwSignal<ListQuery>,
    /// The sort the core uses when `query.sort` is `None`.
    default_key: &'static str,
) -> impl IntoView {
    let active = move || query.with(|q| q.sort.as_deref().unwrap_or(default_key) == key);
    let arrow = move || match (active(), query.with(|q| q.dir)) {
        (false, _) => "",
        (true, SortDir::Asc) => " ▲",
        (true, SortDir::Desc) => " ▼",
    };
    let aria_sort = move || match (active(), query.with(|q| q.dir)) {
        (false, _) => "none",
        (true, SortDir::Asc) => "ascending",
        (true, SortDir::Desc) => "descending",
    };
    view! {
        <th aria-sort=aria_sort>
            <button class="sort" data-sort=key on:click=move |_| {
                // Read before `update`: the signal cannot be read while it is being written.
                let was_active = active();
                query.update(|q| {
                q.dir = if was_active && q.dir == SortDir::Asc { SortDir::Desc } else { SortDir::Asc };
                q.sort = Some(key.to_owned());
                q.at = PageAt::First;
            })
            }>
                {label}{arrow}
            </button>
        </th>
    }
}

/// First / previous / next / last buttons over keyset cursors, and the number of matches (which
/// arrives separately, so paging never waits for it).
#[component]
pub fn Pager<T: Send + Sync + 'static>(
    /// The page on screen.
    page: Page<T>,
    /// The list's query; its `at` moves.
    query: RwSignal<ListQuery>,
    /// How many rows match, once counted.
    count: Signal<Option<Count>>,
) -> impl IntoView {
    let (prev, next) = (page.prev.clone(), page.next.clone());
    let has_prev = prev.is_some();
    let has_next = next.is_some();
    // Relevance-ranked search results have no "last" page; a column sort has.
    let ranked = query.with_untracked(|q| q.sort.is_none() && !q.search.trim().is_empty());
    let shown = page.rows.len();
    let label = move || match count.get() {
        Some(Count { rows, capped: true }) => format!("{shown} shown · over {} matches", format::count(rows)),
        Some(Count { rows, capped: false }) => format!("{shown} shown · {} in all", format::count(rows)),
        None => format!("{shown} shown"),
    };
    view! {
        <div class="pager">
            <span class="muted" id="list-count">{label}</span>
            <button class="ghost" disabled=!has_prev on:click=move |_| query.update(|q| q.at = PageAt::First)>"First"</button>
            <button class="ghost" id="page-prev" disabled=!has_prev on:click=move |_| {
                let prev = prev.clone();
                query.update(|q| q.at = prev.map(PageAt::Before).unwrap_or_default())
            }>"Previous"</button>
            <button class="ghost" id="page-next" disabled=!has_next on:click=move |_| {
                let next = next.clone();
                query.update(|q| q.at = next.map(PageAt::After).unwrap_or_default())
            }>"Next"</button>
            <button class="ghost" disabled=!has_next || ranked on:click=move |_| query.update(|q| q.at = PageAt::Last)>"Last"</button>
        </div>
    }
}

/// Keyboard navigation in a list: ↓/↑ move focus between rows, Enter opens the focused row
/// (the row's own click handler), Home/End jump to the first/last row.
pub fn row_keys(ev: &leptos::ev::KeyboardEvent) {
    use wasm_bindgen::JsCast;
    let Some(row) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) else { return };
    let target = match ev.key().as_str() {
        "ArrowDown" => row.next_element_sibling(),
        "ArrowUp" => row.previous_element_sibling(),
        "Home" => row.parent_element().and_then(|p| p.first_element_child()),
        "End" => row.parent_element().and_then(|p| p.last_element_child()),
        "Enter" | " " => {
            ev.prevent_default();
            row.click();
            return;
        }
        _ => return,
    };
    ev.prevent_default();
    if let Some(next) = target.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = next.focus();
    }
}

/// The state every edit form has: the draft being typed, the error of the last save attempt and
/// whether a save is under way. Signals are `Copy`, so the form is too.
pub struct Form<T: Send + Sync + 'static> {
    pub draft: RwSignal<T>,
    pub error: RwSignal<Option<ApiError>>,
    pub saving: RwSignal<bool>,
}

impl<T: Send + Sync + 'static> Clone for Form<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Send + Sync + 'static> Copy for Form<T> {}

impl<T: Clone + Default + Send + Sync + 'static> Default for Form<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone + Default + Send + Sync + 'static> Form<T> {
    pub fn new() -> Self {
        Form { draft: RwSignal::new(T::default()), error: RwSignal::new(None), saving: RwSignal::new(false) }
    }

    /// Forget the error of one field (the user is correcting it).
    pub fn clear_error(self, name: &str) {
        self.error.update(|e| if let Some(e) = e { e.fields.retain(|f| f.field != name) });
    }

    /// A [`TextField`] bound to one text of the draft. Typing clears that field's error.
    pub fn field(
        self,
        label: &'static str,
        name: &'static str,
        kind: &'static str,
        maxlength: usize,
        get: fn(&T) -> &String,
        set: fn(&mut T, String),
    ) -> impl IntoView {
        self.field_with_id("", label, name, kind, maxlength, get, set)
    }

    /// [`Form::field`] with an element id of its own (instead of `field-<name>`).
    #[allow(clippy::too_many_arguments)]
    pub fn field_with_id(
        self,
        id: &'static str,
        label: &'static str,
        name: &'static str,
        kind: &'static str,
        maxlength: usize,
        get: fn(&T) -> &String,
        set: fn(&mut T, String),
    ) -> impl IntoView {
        let Form { draft, error, .. } = self;
        view! {
            <TextField
                id label name kind maxlength required=name == "name"
                value=Signal::derive(move || draft.with(|d| get(d).clone()))
                on_input=move |text| {
                    draft.update(|d| set(d, text));
                    self.clear_error(name);
                }
                error=field_error(error, name)
            />
        }
    }

    /// The form's submit handler: sends the draft with `save` (once at a time), then calls `done`
    /// with the saved record, or shows the error next to the fields.
    pub fn on_submit<R: 'static, Fut: Future<Output = Result<R, ApiError>> + 'static>(
        self,
        save: impl Fn(T) -> Fut + Copy + 'static,
        done: impl Fn(R) + Copy + 'static,
    ) -> impl Fn(leptos::ev::SubmitEvent) + Copy + 'static {
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if self.saving.get_untracked() {
                return;
            }
            self.saving.set(true);
            let saving = save(self.draft.get_untracked());
            spawn_local(async move {
                let result = saving.await;
                self.saving.set(false);
                match result {
                    Ok(record) => done(record),
                    Err(error) => self.error.set(Some(error)),
                }
            });
        }
    }

    /// The Save and Cancel buttons.
    pub fn actions(self, cancel: impl Fn() + 'static) -> impl IntoView {
        let saving = self.saving;
        view! {
            <div class="actions">
                <button type="submit" class="primary" id="save" disabled=move || saving.get()>
                    {move || if saving.get() { "Saving…" } else { "Save" }}
                </button>
                <button type="button" class="ghost" on:click=move |_| cancel()>"Cancel"</button>
            </div>
        }
    }
}

/// Boxed future of a merge or search call, so that one picker serves companies and contacts.
pub type Pending<T> = std::pin::Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// "Merge a duplicate into this record": search the other record, confirm, merge. Everything the
/// other record holds (links, notes, addresses) moves here and the other record is deleted.
#[component]
pub fn MergePicker(
    /// The record that stays.
    keep: Id,
    /// Finds candidates by name: `(id, label)` pairs.
    search: Callback<String, Pending<Vec<(Id, String)>>>,
    /// Merges the chosen record into `keep`.
    merge: Callback<Id, Pending<()>>,
    /// Called after a merge, to reload.
    on_merged: Callback<()>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let text = RwSignal::new(String::new());
    let chosen = RwSignal::new(None::<(Id, String)>);
    let error = RwSignal::new(None::<ApiError>);
    let found = LocalResource::new(move || {
        let text = text.get();
        async move { if text.trim().is_empty() { Ok(Vec::new()) } else { search.run(text).await } }
    });
    let confirm = move |_| {
        let Some((remove, _)) = chosen.get_untracked() else { return };
        spawn_local(async move {
            match merge.run(remove).await {
                Ok(()) => {
                    let _ = open.try_set(false);
                    let _ = chosen.try_set(None);
                    on_merged.run(());
                }
                Err(e) => drop(error.try_set(Some(e))),
            }
        })
    };
    view! {
        <button class="ghost" id="merge-open" on:click=move |_| open.update(|o| *o = !*o)>"Merge duplicate…"</button>
        {move || open.get().then(|| view! {
            <div class="card merge" id="merge-panel">
                <input type="search" id="merge-search" placeholder="Find the duplicate by name" prop:value=move || text.get()
                    on:input=move |ev| { text.set(event_target_value(&ev)); chosen.set(None); }/>
                <ul class="suggestions">
                    {move || found.get().and_then(Result::ok).unwrap_or_default().into_iter().filter(|(id, _)| *id != keep).map(|(id, label)| {
                        let pick = (id, label.clone());
                        view! { <li><button type="button" class="link" on:click=move |_| chosen.set(Some(pick.clone()))>{label}</button></li> }
                    }).collect_view()}
                </ul>
                {move || chosen.get().map(|(_, label)| view! {
                    <p>{format!("Merge “{label}” into this record? Its contacts, notes and addresses move here, empty fields are filled from it, and it is deleted.")}</p>
                    <button class="primary" id="merge-confirm" on:click=confirm>"Merge"</button>
                })}
                <ErrorBanner error/>
            </div>
        })}
    }
}

/// The setter a list's filter bar uses: applies a change to the filter and goes back to the
/// first page, but only when the filter really changed (selects also fire once on mount).
pub fn filter_setter<F: Clone + PartialEq + Send + Sync + 'static>(
    filter: RwSignal<F>,
    query: RwSignal<ListQuery>,
) -> impl Fn(&dyn Fn(&mut F)) + Copy + 'static {
    move |change: &dyn Fn(&mut F)| {
        let mut next = filter.get_untracked();
        change(&mut next);
        if next != filter.get_untracked() {
            filter.set(next);
            query.update(|q| q.at = PageAt::First);
        }
    }
}

/// A labelled date input bound to one optional day (`YYYY-MM-DD`) of a list filter.
pub fn date_filter<F: Clone + PartialEq + Send + Sync + 'static>(
    filter: RwSignal<F>,
    set: impl Fn(&dyn Fn(&mut F)) + Copy + 'static,
    id: &'static str,
    label: &'static str,
    get: fn(&F) -> Option<String>,
    put: fn(&mut F, Option<String>),
) -> impl IntoView {
    view! {
        <label class="filter-date">{label}
            <input type="date" id=id prop:value=move || filter.with(|f| get(f).unwrap_or_default())
                on:change=move |ev| { let day = event_target_value(&ev); set(&|f| put(f, Some(day.clone()).filter(|d| !d.is_empty()))) }/>
        </label>
    }
}
