//! Commands of the People room: find people, a person's page, links and unlinks, sources of
//! truth, drift, and offboarding everywhere with its evidence.

use desk_engine::api::IpcError;
use desk_engine::people::drift::{DriftFormat, DriftReport};
use desk_engine::people::{
    EvidenceFormat, MatchPlan, MatchReport, MatchRequest, OffboardPlan, OffboardReport,
    OffboardRequest, OnboardPlan, OnboardReport, OnboardRequest, PeoplePage, PeopleQuery,
    PersonEditPreview, PersonEditReport, PersonEditRequest, PersonPage, PersonRunProgress,
    UsualGroup,
};
use desk_engine::Desk;
use tauri::{Emitter, State};

use crate::state::*;

#[tauri::command]
pub fn find_people(
    state: State<'_, DeskState>,
    query: PeopleQuery,
) -> Result<PeoplePage, IpcError> {
    caught(|| state.desk()?.find_people(&query).map_err(ipc))
}

#[tauri::command]
pub fn person_page(state: State<'_, DeskState>, key: String) -> Result<PersonPage, IpcError> {
    caught(|| state.desk()?.person(&key).map_err(ipc))
}

#[tauri::command]
pub fn person_link(
    state: State<'_, DeskState>,
    a: String,
    b: String,
) -> Result<PersonPage, IpcError> {
    caught(|| state.desk()?.person_link(&a, &b).map_err(ipc))
}

#[tauri::command]
pub fn person_unlink(
    state: State<'_, DeskState>,
    a: String,
    b: String,
) -> Result<PersonPage, IpcError> {
    caught(|| state.desk()?.person_unlink(&a, &b).map_err(ipc))
}

#[tauri::command]
pub fn set_source_of_truth(
    state: State<'_, DeskState>,
    provider: String,
    on: bool,
) -> Result<(), IpcError> {
    caught(|| {
        state
            .desk()?
            .set_source_of_truth(&provider, on)
            .map_err(ipc)
    })
}

#[tauri::command]
pub fn drift_report(
    state: State<'_, DeskState>,
    source: Option<String>,
) -> Result<DriftReport, IpcError> {
    caught(|| state.desk()?.drift(source.as_deref(), &[]).map_err(ipc))
}

/// Saves the drift list where the person chooses; `None` when they cancel.
#[tauri::command]
pub async fn save_drift(
    app: tauri::AppHandle,
    state: State<'_, DeskState>,
    source: Option<String>,
    format: DriftFormat,
) -> Result<Option<String>, IpcError> {
    let desk = state.desk()?;
    let (label, ext) = match format {
        DriftFormat::Csv => ("Spreadsheet (CSV)", "csv"),
        DriftFormat::Json => ("JSON", "json"),
    };
    let Some(path) = ask_where_to_save(
        &app,
        "Save the drift list",
        &format!("drift.{ext}"),
        (label, ext),
    )
    .await?
    else {
        return Ok(None);
    };
    let shown = path.display().to_string();
    guarded(async move { desk.save_drift_to(source.as_deref(), format, &path) }).await?;
    Ok(Some(shown))
}

#[tauri::command]
pub fn plan_offboard(
    state: State<'_, DeskState>,
    request: OffboardRequest,
) -> Result<OffboardPlan, IpcError> {
    caught(|| state.desk()?.plan_offboard(&request).map_err(ipc))
}

/// Offboards a person, with `offboard-progress` events per provider.
#[tauri::command]
pub async fn offboard(
    app: tauri::AppHandle,
    state: State<'_, DeskState>,
    request: OffboardRequest,
) -> Result<OffboardReport, IpcError> {
    let desk = state.desk()?;
    guarded(async move {
        desk.offboard(&request, &move |p: PersonRunProgress| {
            let _ = app.emit("offboard-progress", p);
        })
        .await
    })
    .await
}

/// Saves an offboarding's evidence where the person chooses; `None` when they cancel.
#[tauri::command]
pub async fn save_evidence(
    app: tauri::AppHandle,
    state: State<'_, DeskState>,
    run_id: i64,
    format: EvidenceFormat,
) -> Result<Option<String>, IpcError> {
    let desk = state.desk()?;
    let (evidence, _) = desk.offboard_evidence(run_id).map_err(ipc)?;
    let name = Desk::evidence_file_name(&evidence, format);
    let kind = match format {
        EvidenceFormat::Json => ("Evidence (JSON)", "json"),
        EvidenceFormat::Csv => ("Spreadsheet (CSV)", "csv"),
    };
    let Some(path) = ask_where_to_save(&app, "Save the offboarding evidence", &name, kind).await?
    else {
        return Ok(None);
    };
    let shown = path.display().to_string();
    guarded(async move { desk.save_evidence_to(run_id, format, &path) }).await?;
    Ok(Some(shown))
}

#[tauri::command]
pub async fn preview_person_edit(
    state: State<'_, DeskState>,
    request: PersonEditRequest,
) -> Result<PersonEditPreview, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.preview_person_edit(&request).await }).await
}

#[tauri::command]
pub async fn save_person_edit(
    state: State<'_, DeskState>,
    request: PersonEditRequest,
) -> Result<PersonEditReport, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.save_person_edit(&request).await }).await
}

#[tauri::command]
pub async fn undo_person_edit(
    state: State<'_, DeskState>,
    report: PersonEditReport,
) -> Result<PersonEditReport, IpcError> {
    let desk = state.desk()?;
    guarded(async move { desk.undo_person_edit(&report).await }).await
}

#[tauri::command]
pub fn usual_groups(
    state: State<'_, DeskState>,
    department: String,
) -> Result<Vec<UsualGroup>, IpcError> {
    caught(|| state.desk()?.usual_groups(&department).map_err(ipc))
}

#[tauri::command]
pub fn plan_onboard(
    state: State<'_, DeskState>,
    request: OnboardRequest,
) -> Result<OnboardPlan, IpcError> {
    caught(|| state.desk()?.plan_onboard(&request).map_err(ipc))
}

/// Onboards a new hire, with `onboard-progress` events per provider.
#[tauri::command]
pub async fn onboard(
    app: tauri::AppHandle,
    state: State<'_, DeskState>,
    request: OnboardRequest,
) -> Result<OnboardReport, IpcError> {
    let desk = state.desk()?;
    guarded(async move {
        desk.onboard(&request, &move |p: PersonRunProgress| {
            let _ = app.emit("onboard-progress", p);
        })
        .await
    })
    .await
}

#[tauri::command]
pub fn plan_make_match(
    state: State<'_, DeskState>,
    request: MatchRequest,
) -> Result<MatchPlan, IpcError> {
    caught(|| state.desk()?.plan_make_match(&request).map_err(ipc))
}

/// Runs a reviewed "make these match", with `match-progress` events.
#[tauri::command]
pub async fn run_make_match(
    app: tauri::AppHandle,
    state: State<'_, DeskState>,
    plan: MatchPlan,
) -> Result<MatchReport, IpcError> {
    let desk = state.desk()?;
    guarded(async move {
        desk.run_make_match(&plan, &move |p| {
            let _ = app.emit("match-progress", p);
        })
        .await
    })
    .await
}
