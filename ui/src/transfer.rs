//! Getting data out and in: the export panel of the lists and the import screen.
//!
//! Both run long jobs in the core. While one runs, the screen polls `job_progress` every 200 ms
//! to move a progress bar, and offers Cancel (`job_cancel`), after which the core writes nothing.

use std::time::Duration;

use crm_model::import::{ColumnMapping, ImportPreview, ImportReport, ImportRequest, ImportTarget, OnDuplicate};
use crm_model::{ApiError, Count};
use leptos::{prelude::*, task::spawn_local};

use crate::{api, components::ErrorBanner, format};

/// Poll the core's job progress into `done` until `running` turns false. The timer stops itself
/// (it is started from a click handler, where no reactive owner could clean it up), and stops
/// too when the screen that owns the signals is gone.
fn watch_progress(running: RwSignal<bool>, done: RwSignal<u64>) {
    let handle = std::rc::Rc::new(std::cell::Cell::new(None::<IntervalHandle>));
    let own = std::rc::Rc::clone(&handle);
    let started = set_interval_with_handle(
        move || {
            if running.try_get_untracked() != Some(true) {
                if let Some(timer) = own.take() {
                    timer.clear();
                }
                return;
            }
            spawn_local(async move {
                if let Ok(rows) = api::job_progress().await {
                    let _ = done.try_set(rows);
                }
            })
        },
        Duration::from_millis(200),
    );
    if let Ok(timer) = started {
        handle.set(Some(timer));
    }
}

/// A progress bar with the rows done, out of `total` when known, and a Cancel button.
#[component]
fn JobProgress(
    /// Rows done so far.
    done: RwSignal<u64>,
    /// Rows to do, when known.
    #[prop(into)]
    total: Signal<Option<u64>>,
    /// What is being done ("Exporting", "Importing").
    verb: &'static str,
) -> impl IntoView {
    let cancel = move |_| spawn_local(async move { drop(api::job_cancel().await) });
    view! {
        <div class="job" role="status" aria-live="polite">
            <progress max=move || total.get().unwrap_or(0).max(1) as f64 value=move || done.get() as f64></progress>
            <span class="muted">{move || match total.get() {
                Some(total) => format!("{verb} {} of {} rows…", format::count(done.get()), format::count(total)),
                None => format!("{verb} {} rows…", format::count(done.get())),
            }}</span>
            <button class="ghost" id="job-cancel" on:click=cancel>"Cancel"</button>
        </div>
    }
}

/// The export panel of a list: format, file path, Export, progress and the result. The list's
/// current search, filters and sort are what gets exported, every row.
#[component]
pub fn ExportPanel(
    /// "customers" or "contacts", for the suggested file name.
    list: &'static str,
    /// Rows the list holds, for the progress bar.
    count: Signal<Option<Count>>,
    /// Runs the export to the given path and resolves with the rows written.
    run: Callback<String, crate::components::Pending<u64>>,
) -> impl IntoView {
    let format_choice = RwSignal::new("xlsx".to_owned());
    let path = RwSignal::new(String::new());
    let running = RwSignal::new(false);
    let done = RwSignal::new(0u64);
    let result = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);
    // Suggest a path in the Documents folder for the chosen format.
    Effect::new(move |_| {
        let format = format_choice.get();
        spawn_local(async move {
            if let Ok(suggested) = api::export_default_path(list, &format).await {
                path.set(suggested);
            }
        })
    });
    let start = move |_| {
        let target = path.get_untracked();
        running.set(true);
        done.set(0);
        result.set(None);
        error.set(None);
        watch_progress(running, done);
        spawn_local(async move {
            let outcome = run.run(target.clone()).await;
            if running.try_set(false).is_some() {
                return;
            }
            match outcome {
                Ok(rows) => result.set(Some(format!("Exported {} rows to {target}.", format::count(rows)))),
                Err(e) => error.set(Some(e)),
            }
        })
    };
    view! {
        <div class="export-panel card" id="export-panel">
            <div class="hbox">
                <select id="export-format" aria-label="File format" on:change=move |ev| format_choice.set(event_target_value(&ev))>
                    <option value="xlsx" selected>"Excel (.xlsx)"</option>
                    <option value="csv">"CSV (UTF-8)"</option>
                </select>
                <input id="export-path" class="grow" aria-label="Save as" prop:value=move || path.get() on:input=move |ev| path.set(event_target_value(&ev))/>
                <button class="primary" id="export-start" disabled=move || running.get() on:click=start>"Export"</button>
            </div>
            {move || running.get().then(|| view! { <JobProgress done total=Signal::derive(move || count.get().map(|c| c.rows)) verb="Exporting"/> })}
            {move || result.get().map(|text| view! { <p class="ok" id="export-result">{text}</p> })}
            <ErrorBanner error/>
        </div>
    }
}

/// Import companies or contacts from a CSV or Excel file: read, map columns, check, import, undo.
#[component]
pub fn ImportScreen() -> impl IntoView {
    let target = RwSignal::new(ImportTarget::Companies);
    let path = RwSignal::new(String::new());
    let preview = RwSignal::new(None::<ImportPreview>);
    let mapping = RwSignal::new(ColumnMapping::default());
    let on_duplicate = RwSignal::new(OnDuplicate::Skip);
    let report = RwSignal::new(None::<ImportReport>);
    let error = RwSignal::new(None::<ApiError>);
    let running = RwSignal::new(false);
    let done = RwSignal::new(0u64);
    let undone = RwSignal::new(None::<String>);
    let request = move || ImportRequest { target: target.get_untracked(), mapping: mapping.get_untracked(), on_duplicate: on_duplicate.get_untracked() };
    let read = move |_| {
        report.set(None);
        error.set(None);
        undone.set(None);
        preview.set(None);
        spawn_local(async move {
            match api::import_preview(&path.get_untracked(), target.get_untracked()).await {
                Ok(found) => {
                    mapping.set(found.mapping.clone());
                    preview.set(Some(found));
                }
                Err(e) => error.set(Some(e)),
            }
        })
    };
    let check = move |_| {
        error.set(None);
        spawn_local(async move {
            match api::import_check(&path.get_untracked(), &request()).await {
                Ok(found) => report.set(Some(found)),
                Err(e) => error.set(Some(e)),
            }
        })
    };
    let apply = move |_| {
        error.set(None);
        undone.set(None);
        running.set(true);
        done.set(0);
        watch_progress(running, done);
        spawn_local(async move {
            let outcome = api::import_apply(&path.get_untracked(), &request()).await;
            if running.try_set(false).is_some() {
                return;
            }
            match outcome {
                Ok(found) => report.set(Some(found)),
                Err(e) => error.set(Some(e)),
            }
        })
    };
    let undo = move |_| {
        let Some(batch) = report.with_untracked(|r| r.as_ref().and_then(|r| r.batch_id)) else { return };
        spawn_local(async move {
            match api::import_undo(batch).await {
                Ok(n) => {
                    undone.set(Some(format!("The import was undone: {} records taken back.", format::count(n))));
                    report.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
        })
    };
    let fields = move || target.get().fields();
    view! {
        <header class="page-head"><h1>"Import"</h1></header>
        <div class="card form" id="import-file">
            <div class="hbox">
                <select id="import-target" aria-label="What to import" on:change=move |ev| {
                    target.set(if event_target_value(&ev) == "contacts" { ImportTarget::Contacts } else { ImportTarget::Companies });
                    preview.set(None);
                }>
                    <option value="companies" selected>"Companies"</option>
                    <option value="contacts">"Contacts"</option>
                </select>
                <input id="import-path" class="grow" placeholder="Path of a .csv or .xlsx file" aria-label="File to import"
                    prop:value=move || path.get() on:input=move |ev| path.set(event_target_value(&ev))/>
                <button class="primary" id="import-read" on:click=read>"Read file"</button>
            </div>
            <p class="muted">"Excel workbooks (.xlsx) and CSV files in UTF-8. Nothing is written until you press Import, and an import can be undone."</p>
        </div>
        <ErrorBanner error/>
        {move || undone.get().map(|text| view! { <p class="ok" id="import-undone">{text}</p> })}
        {move || preview.get().map(|found| {
            let headers = found.headers.clone();
            view! {
                <section class="card wide" id="import-mapping">
                    <h2>{format!("{} rows · map the columns", format::count(found.total_rows))}</h2>
                    <div class="table-wrap">
                        <table class="list">
                            <thead>
                                <tr>{headers.iter().enumerate().map(|(index, header)| view! {
                                    <th>
                                        <span class="line">{header.clone()}</span>
                                        <select class="map" data-column=index on:change=move |ev| {
                                            let key = event_target_value(&ev);
                                            mapping.update(|m| if let Some(slot) = m.columns.get_mut(index) { *slot = (!key.is_empty()).then_some(key) });
                                            report.set(None);
                                        }>
                                            <option value="" selected=move || mapping.with(|m| m.field_at(index).is_none())>"(ignore)"</option>
                                            {fields().iter().map(|field| { let key = field.key; view! {
                                                <option value=key selected=move || mapping.with(|m| m.field_at(index) == Some(key))>{field.label}</option>
                                            }}).collect_view()}
                                        </select>
                                    </th>
                                }).collect_view()}</tr>
                            </thead>
                            <tbody>{found.sample.iter().take(8).map(|row| view! {
                                <tr>{row.iter().map(|cell| view! { <td>{cell.clone()}</td> }).collect_view()}</tr>
                            }).collect_view()}</tbody>
                        </table>
                    </div>
                    <fieldset class="hbox">
                        <legend>"Rows that match an existing record"</legend>
                        {[(OnDuplicate::Skip, "Skip them", "dup-skip"), (OnDuplicate::Update, "Update the record", "dup-update"), (OnDuplicate::CreateAnyway, "Create anyway", "dup-create")]
                            .into_iter().map(|(choice, label, id)| view! {
                                <label class="check"><input type="radio" name="on-duplicate" id=id prop:checked=move || on_duplicate.get() == choice
                                    on:change=move |_| { on_duplicate.set(choice); report.set(None); }/>{label}</label>
                            }).collect_view()}
                    </fieldset>
                    <div class="actions">
                        <button id="import-check" on:click=check>"Check"</button>
                        <button class="primary" id="import-apply" disabled=move || running.get() on:click=apply>"Import"</button>
                    </div>
                    {move || running.get().then(|| view! { <JobProgress done total=Signal::derive(move || Some(found.total_rows)) verb="Importing"/> })}
                </section>
            }
        })}
        {move || report.get().map(|found| view! { <ImportResult report=found on_undo=Callback::new(undo)/> })}
    }
}

/// What a check or an import found: counts, every problem with its line, the duplicates.
#[component]
fn ImportResult(
    /// The check's or the import's report.
    report: ImportReport,
    /// Undo the import this report describes.
    on_undo: Callback<leptos::ev::MouseEvent>,
) -> impl IntoView {
    let summary = if !report.problems.is_empty() {
        format!("{} problems: nothing was imported. Fix the file and read it again.", format::count(report.problems.len() as u64))
    } else if report.applied {
        format!("Imported: {} created, {} updated, {} skipped.", report.created, report.updated, report.skipped)
    } else {
        format!("Ready: {} to create, {} to update, {} to skip.", report.created, report.updated, report.skipped)
    };
    view! {
        <section class="card wide" id="import-report">
            <div class="card-head">
                <h2 id="import-summary">{summary}</h2>
                {report.applied.then(|| view! { <button id="import-undo" on:click=move |ev| on_undo.run(ev)>"Undo import"</button> })}
            </div>
            {(!report.problems.is_empty()).then(|| view! {
                <ul class="plain problems">{report.problems.iter().take(200).map(|p| view! {
                    <li><strong>{format!("Line {}", p.line)}</strong>" · "{p.field.clone()}": "{p.message.clone()}</li>
                }).collect_view()}</ul>
            })}
            {(!report.duplicates.is_empty()).then(|| view! {
                <h3>{format!("{} possible duplicates", report.duplicates.len())}</h3>
                <ul class="plain duplicates">{report.duplicates.iter().take(200).map(|d| view! {
                    <li><strong>{format!("Line {}", d.line)}</strong>{format!(" matches {} ({})", d.existing, d.reason)}</li>
                }).collect_view()}</ul>
            })}
        </section>
    }
}
