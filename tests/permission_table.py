"""Who may read (GET) and who may write (POST) every URL of the site, as the demo's people.

Read with ``tests/test_permission_matrix.py``: it walks every URL pattern as each demo user and
anonymous, and fails when a pattern is missing here or an answer differs. "Write" means a POST is
accepted for processing (a form re-rendered with errors counts: the person may use the form);
"denied" is 404/403/401 or a redirect to a login page; a 405 counts as denied.
The objects behind the URLs are the demo's 市场监管局 (SCJG) records: its joint restaurant task
(claimed by 卫健局), that task's draw and matching, its plan, directory, inspectors.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class R:
    read: frozenset[str]
    write: frozenset[str]

    def __init__(self, read: object = (), write: object = ()) -> None:
        object.__setattr__(self, "read", frozenset(read))  # type: ignore[call-overload]
        object.__setattr__(self, "write", frozenset(write))  # type: ignore[call-overload]


ANON = {"anonymous"}
SCJ_WRITERS = {"scj_staff", "scj_liaison", "scj_admin"}
SCJ = SCJ_WRITERS | {"scj_chief", "scj_inspector"}
GA = {"ga_staff", "ga_chief"}
OTHER_DEPTS = {"zjj_staff", "wjj_staff", "xf_staff", "hb_staff"}
DEPARTMENTS = SCJ | GA | OTHER_DEPTS
WRITERS = SCJ_WRITERS | OTHER_DEPTS | {"ga_staff"}  # a writing role (staff, admin) in some department
OVERSIGHT = {"office", "discipline"}
STAFF = DEPARTMENTS | OVERSIGHT | {"assessor", "superior", "admin"}
EVERYONE = STAFF | ANON

# Arguments of each URL: a key of the test's objects, or a literal.
ARGS: dict[str, dict[str, str]] = {
    "publicapi:download": {"year": "year", "department": "department_code", "fmt": "csv"},
    "publicapi:public-results-detail": {"public_id": "result:none"},
    "publicapi:public-results-versions": {"public_id": "result:none"},
    "publicapi:public-tasks-detail": {"public_id": "task_public_id"},
    "publicapi:public-tasks-versions": {"public_id": "task_public_id"},
    "publicapi:public-draws-detail": {"public_id": "draw_public_id"},
    "publicapi:public-draws-versions": {"public_id": "draw_public_id"},
    "publicapi:public-plans-detail": {"public_id": "plan_public_id"},
    "publicapi:public-plans-versions": {"public_id": "plan_public_id"},
    "publicapi:public-item-lists-detail": {"public_id": "item_list_public_id"},
    "publicapi:public-item-lists-versions": {"public_id": "item_list_public_id"},
    "department-detail": {"pk": "department"},
    "section-detail": {"pk": "section"},
    "item-detail": {"pk": "item"},
    "plan-detail": {"pk": "plan"}, "plan-batches": {"pk": "plan"}, "plan-file": {"pk": "plan"},
    "plan-publish": {"pk": "plan"},
    "campaign-detail": {"pk": "campaign"},
    "task-detail": {"pk": "task"}, "task-claim": {"pk": "task"}, "task-decline": {"pk": "task"},
    "task-publish": {"pk": "task"}, "task-transition": {"pk": "task"},
    "publicity:entity": {"uscc": "entity"},
    "publicity:item_list": {"department": "department_code"},
    "publicity:plan": {"code": "plan_code"},
    "publicity:task": {"code": "task_code"},
    "publicity:draw": {"code": "draw_code"},
    "publicity:draw_bundle": {"code": "draw_code", "iteration": "draw_iteration"},
    "publicity:objection": {"public_id": "result:none"},
    "agencies:department": {"pk": "department"},
    "agencies:section_create": {"department_pk": "department"},
    "agencies:section_edit": {"pk": "section"},
    "entities:directory": {"pk": "directory"}, "entities:directory_edit": {"pk": "directory"},
    "entities:directory_apply": {"pk": "directory"}, "entities:entry_add": {"pk": "directory"},
    "entities:entry_remove": {"pk": "entry"},
    "entities:detail": {"uscc": "entity"},
    "inspectors:detail": {"pk": "inspector"}, "inspectors:edit": {"pk": "inspector"},
    "inspectors:leave_add": {"pk": "inspector"}, "inspectors:leave_remove": {"pk": "leave"},
    "inspectors:conflict_declare": {"pk": "inspector"}, "inspectors:conflict_decide": {"pk": "conflict"},
    "imports:new": {"kind": "entities"}, "imports:template": {"kind": "entities"},
    "imports:job": {"pk": "import_job"}, "imports:confirm": {"pk": "import_job"},
    "imports:cancel": {"pk": "import_job"}, "imports:progress": {"pk": "import_job"},
    "imports:errors": {"pk": "import_job"},
    "objections:detail": {"pk": "objection"}, "objections:decide": {"pk": "objection"},
    "objections:attachment": {"pk": "objection"},
    "inspections:item": {"pk": "item"}, "inspections:item_edit": {"pk": "item"},
    "inspections:item_publish": {"department_pk": "department"},
    "inspections:plan": {"pk": "plan"}, "inspections:plan_edit": {"pk": "plan"},
    "inspections:batch_create": {"plan_pk": "plan"}, "inspections:batch_edit": {"pk": "batch"},
    "inspections:plan_file": {"pk": "plan"}, "inspections:plan_publish": {"pk": "plan"},
    "inspections:campaign": {"pk": "campaign"},
    "inspections:task": {"pk": "task"}, "inspections:task_publish": {"pk": "task"},
    "inspections:task_action": {"pk": "task"}, "inspections:task_claim": {"pk": "task"},
    "inspections:task_decline": {"pk": "task"},
    "draws:task": {"task_id": "task"}, "draws:announce": {"task_id": "task"}, "draws:match": {"task_id": "task"},
    "draws:entity_list": {"task_id": "task"}, "draws:task_fairness": {"task_id": "task"},
    "draws:draw": {"pk": "draw"}, "draws:ceremony": {"pk": "draw"}, "draws:randomness": {"pk": "draw"},
    "draws:status": {"pk": "draw"}, "draws:evidence": {"pk": "draw"}, "draws:evidence_public": {"pk": "draw"},
    "draws:redraw_request_create": {"pk": "draw"}, "draws:substitute": {"pk": "assignment"},
    "draws:redraw_request": {"pk": "redraw_request"}, "draws:fairness_year": {"year": "year"},
    # Field work: the demo's joint hotel task (公安分局 leads; 住建、卫健、消防 join), one of its visits
    # with a team and an issued notice.
    "fieldwork:task_visits": {"task_id": "hotel_task"}, "fieldwork:task_feedback": {"task_id": "hotel_task"},
    "fieldwork:visit": {"pk": "hotel_visit"}, "fieldwork:team_build": {"pk": "hotel_visit"},
    "fieldwork:member_add": {"pk": "hotel_visit"}, "fieldwork:chief_join": {"pk": "hotel_visit"},
    "fieldwork:sheet": {"pk": "hotel_visit"}, "fieldwork:notice": {"pk": "hotel_visit"},
    "fieldwork:notice_issue": {"pk": "hotel_visit"}, "fieldwork:notice_delivery": {"pk": "hotel_visit"},
    "fieldwork:notice_date": {"pk": "hotel_visit"}, "fieldwork:notice_dates": {"pk": "hotel_visit"},
    "fieldwork:notice_pdf": {"pk": "hotel_visit"},
    "fieldwork:member_leader": {"pk": "hotel_member"}, "fieldwork:member_remove": {"pk": "hotel_helper"},
    "fieldwork:training": {"pk": "training"}, "fieldwork:training_invite": {"pk": "training"},
    "fieldwork:public_notice": {"token": "hotel_token"}, "fieldwork:public_avoidance": {"token": "hotel_token"},
    "fieldwork:public_notice_pdf": {"token": "hotel_token"},
    # Results: a 市场监管局 result of the demo's year of history, on its visit.
    "results:visit": {"visit_pk": "result_visit", "task_pk": "result_task"},
    "results:entry": {"visit_pk": "result_visit", "task_pk": "result_task", "item_pk": "result_item"},
    "results:detail": {"pk": "result"}, "results:review_decide": {"pk": "result"},
    "results:follow_up_create": {"pk": "result"}, "results:attachment": {"pk": "attachment"},
    "results:task": {"pk": "result_task"}, "results:follow_up": {"pk": "follow_up"}, "results:case": {"pk": "case"},
    "result-detail": {"pk": "result"}, "result-attachments": {"pk": "result"}, "result-review": {"pk": "result"},
    "result-submit": {"pk": "result"},
    # The office: the demo's letter to 市场监管局 and a meeting issue.
    "oversight:dashboard_drill": {"kind": "joint_visits"},
    "oversight:letter": {"pk": "letter"}, "oversight:letter_edit": {"pk": "letter"},
    "oversight:letter_send": {"pk": "letter"}, "oversight:letter_acknowledge": {"pk": "letter"},
    "oversight:letter_answer": {"pk": "letter", "item_pk": "letter_item"}, "oversight:letter_pdf": {"pk": "letter"},
    "oversight:issue": {"pk": "issue"}, "oversight:issue_comment": {"pk": "issue"},
    "oversight:issue_resolve": {"pk": "issue"}, "oversight:issue_close": {"pk": "issue"},
    "oversight:guidance_session": {"pk": "guidance"}, "oversight:guidance_attendance": {"pk": "guidance"},
    "oversight:assessment_report": {"fmt": "xlsx"},
}

TABLE: dict[str, R] = {
    # Public pages and the open-data API: everyone reads, nobody writes. Results: the demo has none
    # published yet, so their pages answer 404 to all.
    "home": R(EVERYONE, ()),
    "login": R(EVERYONE, EVERYONE),
    "logout": R((), ()),
    "set_language": R(EVERYONE, EVERYONE),
    "api-me": R(STAFF, ()),
    "publicapi:root": R(EVERYONE, ()),
    "publicapi:downloads": R(EVERYONE, ()),
    "publicapi:download": R(EVERYONE, ()),
    "publicapi:public-results-list": R(EVERYONE, ()),
    "publicapi:public-results-detail": R((), ()),
    "publicapi:public-results-versions": R((), ()),
    "publicapi:public-tasks-list": R(EVERYONE, ()),
    "publicapi:public-tasks-detail": R(EVERYONE, ()),
    "publicapi:public-tasks-versions": R(EVERYONE, ()),
    "publicapi:public-draws-list": R(EVERYONE, ()),
    "publicapi:public-draws-detail": R(EVERYONE, ()),
    "publicapi:public-draws-versions": R(EVERYONE, ()),
    "publicapi:public-plans-list": R(EVERYONE, ()),
    "publicapi:public-plans-detail": R(EVERYONE, ()),
    "publicapi:public-plans-versions": R(EVERYONE, ()),
    "publicapi:public-item-lists-list": R(EVERYONE, ()),
    "publicapi:public-item-lists-detail": R(EVERYONE, ()),
    "publicapi:public-item-lists-versions": R(EVERYONE, ()),
    "department-list": R(STAFF, ()),
    "department-detail": R(SCJ | OVERSIGHT, ()),
    "section-detail": R(SCJ | OVERSIGHT, ()),
    "item-list": R(STAFF, WRITERS),
    "item-publish": R((), WRITERS),
    "item-detail": R(SCJ | OVERSIGHT, ()),
    "plan-list": R(STAFF, WRITERS),
    "plan-detail": R(SCJ | OVERSIGHT | {'superior'}, ()),
    "plan-batches": R((), SCJ_WRITERS),
    "plan-file": R((), SCJ_WRITERS),
    "plan-publish": R((), SCJ_WRITERS),
    "campaign-list": R(STAFF, ()),
    "campaign-detail": R(OVERSIGHT | GA | {'wjj_staff', 'xf_staff', 'zjj_staff'}, ()),
    "task-list": R(STAFF, WRITERS),
    "task-import-superior": R((), WRITERS),
    "task-detail": R(SCJ | OVERSIGHT | {'wjj_staff'}, ()),
    "task-claim": R((), {'wjj_staff'}),
    "task-decline": R((), {'wjj_staff'}),
    "task-publish": R((), SCJ_WRITERS),
    "task-transition": R((), SCJ_WRITERS),
    "api-root": R(STAFF, ()),
    "api-schema": R(EVERYONE, ()),
    "api-docs": R(EVERYONE, ()),
    "publicity:home": R(EVERYONE, ()),
    "publicity:search": R(EVERYONE, ()),
    "publicity:entity": R((), ()),
    "publicity:item_lists": R(EVERYONE, ()),
    "publicity:item_list": R(EVERYONE, ()),
    "publicity:plans": R(EVERYONE, ()),
    "publicity:plan": R(EVERYONE, ()),
    "publicity:tasks": R(EVERYONE, ()),
    "publicity:task": R(EVERYONE, ()),
    "publicity:draw": R(EVERYONE, ()),
    "publicity:draw_bundle": R(EVERYONE, ()),
    "publicity:verifier": R(EVERYONE, ()),
    "publicity:verifier_download": R(EVERYONE, ()),
    "publicity:downloads": R(EVERYONE, ()),
    "publicity:objection": R((), ()),
    "core:feed": R(STAFF, ()),
    "core:feed_read": R((), STAFF),
    "core:healthz": R(EVERYONE, ()),
    "agencies:workspace": R(DEPARTMENTS, ()),
    "agencies:office": R({'office'}, ()),
    "agencies:assessment": R({'assessor'}, ()),
    "agencies:superior": R({'superior'}, ()),
    "agencies:department": R(SCJ | OVERSIGHT, ()),
    "agencies:section_create": R({'scj_admin'}, {'scj_admin'}),
    "agencies:section_edit": R({'scj_admin'}, {'scj_admin'}),
    "agencies:discipline": R(OVERSIGHT, ()),
    "agencies:audit_verify": R(OVERSIGHT, OVERSIGHT),
    "entities:list": R(DEPARTMENTS | OVERSIGHT, ()),
    "entities:directories": R(DEPARTMENTS | OVERSIGHT, ()),
    "entities:directory_create": R(WRITERS, WRITERS),
    "entities:directory": R(SCJ | OVERSIGHT, ()),
    "entities:directory_edit": R(SCJ_WRITERS, SCJ_WRITERS),
    "entities:directory_apply": R((), SCJ_WRITERS),
    "entities:entry_add": R((), SCJ_WRITERS),
    "entities:entry_remove": R((), SCJ_WRITERS),
    "entities:detail": R(DEPARTMENTS | OVERSIGHT, ()),
    "inspectors:list": R(DEPARTMENTS | OVERSIGHT, ()),
    "inspectors:detail": R(SCJ | OVERSIGHT, ()),
    "inspectors:edit": R({'scj_admin'}, {'scj_admin'}),
    "inspectors:leave_add": R((), {'scj_admin'}),
    "inspectors:leave_remove": R((), {'scj_admin'}),
    "inspectors:conflict_declare": R(SCJ_WRITERS, SCJ_WRITERS),
    "inspectors:conflicts": R(DEPARTMENTS | OVERSIGHT, ()),
    "inspectors:conflict_decide": R((), {'scj_chief', 'scj_admin'}),
    "imports:home": R(DEPARTMENTS | OVERSIGHT, ()),
    "imports:new": R(WRITERS, WRITERS),
    "imports:template": R(WRITERS, ()),
    "imports:job": R(SCJ | OVERSIGHT, ()),
    "imports:confirm": R((), {'scj_admin', 'scj_staff'}),
    "imports:cancel": R((), {'scj_admin', 'scj_staff'}),
    "imports:progress": R(SCJ | OVERSIGHT, ()),
    "imports:errors": R((), ()),
    "objections:list": R(DEPARTMENTS | OVERSIGHT, ()),
    "objections:detail": R(SCJ | OVERSIGHT, ()),
    "objections:decide": R((), SCJ_WRITERS | {'scj_chief'}),
    "objections:attachment": R((), ()),
    "inspections:items": R(DEPARTMENTS | OVERSIGHT, ()),
    "inspections:item_create": R(WRITERS, WRITERS),
    "inspections:item": R(SCJ | OVERSIGHT, ()),
    "inspections:item_edit": R(SCJ_WRITERS, SCJ_WRITERS),
    "inspections:item_publish": R((), SCJ_WRITERS),
    "inspections:plans": R(DEPARTMENTS | OVERSIGHT | {'superior'}, ()),
    "inspections:plan_create": R(WRITERS, WRITERS),
    "inspections:plan": R(SCJ | OVERSIGHT | {'superior'}, ()),
    "inspections:plan_edit": R(SCJ_WRITERS, SCJ_WRITERS),
    "inspections:batch_create": R(SCJ_WRITERS, SCJ_WRITERS),
    "inspections:batch_edit": R(SCJ_WRITERS, SCJ_WRITERS),
    "inspections:plan_file": R((), SCJ_WRITERS),
    "inspections:plan_publish": R((), SCJ_WRITERS),
    "inspections:campaigns": R(DEPARTMENTS | OVERSIGHT, ()),
    "inspections:campaign_create": R(WRITERS, WRITERS),
    "inspections:campaign": R(OVERSIGHT | GA | {'wjj_staff', 'xf_staff', 'zjj_staff'}, ()),
    "inspections:tasks": R(DEPARTMENTS | OVERSIGHT, ()),
    "inspections:task_create": R(WRITERS, WRITERS),
    "inspections:task_import": R(WRITERS, WRITERS),
    "inspections:task": R(SCJ | OVERSIGHT | {'wjj_staff'}, ()),
    "inspections:task_publish": R((), SCJ_WRITERS),
    "inspections:task_action": R((), ()),
    "inspections:task_claim": R({'wjj_staff'}, {'wjj_staff'}),
    "inspections:task_decline": R({'wjj_staff'}, {'wjj_staff'}),
    "draws:task": R(SCJ | OVERSIGHT | {'wjj_staff'}, ()),
    "draws:announce": R(SCJ_WRITERS, SCJ_WRITERS),
    "draws:match": R(SCJ_WRITERS, SCJ_WRITERS),
    "draws:entity_list": R((), ()),
    "draws:task_fairness": R(SCJ | OVERSIGHT | {'wjj_staff'}, ()),
    "draws:draw": R(SCJ | OVERSIGHT | {'wjj_staff'}, ()),
    "draws:ceremony": R(SCJ | OVERSIGHT | {'wjj_staff'}, ()),
    "draws:randomness": R(SCJ_WRITERS, SCJ_WRITERS),
    "draws:status": R(SCJ | OVERSIGHT | {'wjj_staff'}, ()),
    "draws:evidence": R(SCJ_WRITERS | OVERSIGHT | {'scj_chief', 'wjj_staff'}, ()),
    "draws:evidence_public": R(SCJ_WRITERS | OVERSIGHT | {'scj_chief', 'wjj_staff'}, ()),
    "draws:redraw_request_create": R((), SCJ_WRITERS),
    "draws:substitute": R(SCJ_WRITERS, SCJ_WRITERS),
    "draws:redraw_requests": R({'ga_chief', 'office', 'scj_chief'}, ()),
    "draws:redraw_request": R({'office', 'scj_chief'}, {'office', 'scj_chief'}),
    "draws:fairness_year": R(DEPARTMENTS | OVERSIGHT, ()),
    # Issues 6, 8 and 9: field work (the hotel task of 公安分局 with 住建、卫健、消防), results (a 市场监管局
    # result of the demo's year), the office, the second factor and the audit heads.
    "otp_verify": R(STAFF, STAFF),
    "otp_setup": R({'admin', 'office', 'scj_admin'}, {'admin', 'office', 'scj_admin'}),
    "result-list": R(DEPARTMENTS | OVERSIGHT, DEPARTMENTS),
    "result-detail": R(SCJ_WRITERS | OVERSIGHT | {'scj_chief'}, ()),
    "result-attachments": R((), ()),
    "result-review": R((), {'scj_chief'}),
    "result-submit": R((), ()),
    "result-slot-list": R(DEPARTMENTS | OVERSIGHT, ()),
    "publicity:audit_heads": R(EVERYONE, ()),
    "oversight:dashboard": R(OVERSIGHT, ()),
    "oversight:dashboard_tasks": R(OVERSIGHT, ()),
    "oversight:dashboard_drill": R(OVERSIGHT, ()),
    "oversight:dashboard_export": R(OVERSIGHT, ()),
    "oversight:dashboard_liaisons": R(OVERSIGHT, ()),
    "oversight:letters": R(OVERSIGHT | {'scj_admin', 'scj_liaison'}, ()),
    "oversight:letter_create": R(OVERSIGHT, OVERSIGHT),
    "oversight:letter": R(OVERSIGHT | {'scj_admin', 'scj_liaison'}, ()),
    "oversight:letter_edit": R({'office'}, {'office'}),
    "oversight:letter_send": R((), {'office'}),
    "oversight:letter_acknowledge": R((), {'scj_admin', 'scj_liaison'}),
    "oversight:letter_answer": R((), {'scj_admin', 'scj_liaison'}),
    "oversight:letter_pdf": R(OVERSIGHT | {'scj_admin', 'scj_liaison'}, ()),
    "oversight:issues": R(DEPARTMENTS | OVERSIGHT, ()),
    "oversight:issue_create": R({'office'}, {'office'}),
    "oversight:issue": R(SCJ | OVERSIGHT | GA, ()),
    "oversight:issue_comment": R((), SCJ | GA | {'office'}),
    "oversight:issue_resolve": R((), {'office'}),
    "oversight:issue_close": R((), {'office'}),
    "oversight:guidance": R(DEPARTMENTS | OVERSIGHT, ()),
    "oversight:guidance_create": R({'office'}, {'office'}),
    "oversight:guidance_session": R(SCJ | GA | OVERSIGHT, ()),
    "oversight:guidance_attendance": R((), {'office'}),
    "oversight:discipline_changes": R(OVERSIGHT, ()),
    "oversight:assessment": R(OVERSIGHT | {'assessor'}, ()),
    "oversight:assessment_weights": R(OVERSIGHT | {'assessor'}, {'office'}),
    "oversight:assessment_report": R(OVERSIGHT | {'assessor'}, ()),
    "fieldwork:task_visits": R(OVERSIGHT | GA | {'wjj_staff', 'xf_staff', 'zjj_staff'}, ()),
    "fieldwork:task_feedback": R(OVERSIGHT | GA | {'wjj_staff', 'xf_staff', 'zjj_staff'}, {'ga_staff', 'wjj_staff', 'xf_staff', 'zjj_staff'}),
    "fieldwork:visit": R(OVERSIGHT | GA | {'wjj_staff', 'xf_staff', 'zjj_staff'}, ()),
    "fieldwork:team_build": R((), {'ga_staff'}),
    "fieldwork:member_add": R((), GA),
    "fieldwork:chief_join": R((), {'ga_chief'}),
    "fieldwork:sheet": R(OVERSIGHT | GA | {'wjj_staff', 'xf_staff', 'zjj_staff'}, ()),
    "fieldwork:notice": R(OVERSIGHT | GA | {'wjj_staff', 'xf_staff', 'zjj_staff'}, ()),
    "fieldwork:notice_issue": R((), {'ga_staff'}),
    "fieldwork:notice_delivery": R((), {'ga_staff'}),
    "fieldwork:notice_date": R((), {'ga_staff'}),
    "fieldwork:notice_dates": R((), {'ga_staff'}),
    "fieldwork:notice_pdf": R(OVERSIGHT | GA | {'wjj_staff', 'xf_staff', 'zjj_staff'}, ()),
    "fieldwork:member_leader": R((), {'ga_staff'}),
    "fieldwork:member_remove": R((), GA),
    "fieldwork:trainings": R(DEPARTMENTS | OVERSIGHT, WRITERS),
    "fieldwork:training": R(OVERSIGHT | GA, {'ga_staff'}),
    "fieldwork:training_invite": R((), {'ga_staff'}),
    "fieldwork:feedback_summary": R(DEPARTMENTS | OVERSIGHT, ()),
    "fieldwork:public_notice": R(EVERYONE, EVERYONE),
    "fieldwork:public_avoidance": R((), EVERYONE),
    "fieldwork:public_notice_pdf": R(EVERYONE, ()),
    "results:worklist": R(DEPARTMENTS, ()),
    "results:review": R(WRITERS | OVERSIGHT | {'ga_chief', 'scj_chief'}, ()),
    "results:export": R(WRITERS | OVERSIGHT | {'ga_chief', 'scj_chief'}, ()),
    "results:visit": R((), ()),
    "results:entry": R((), ()),
    "results:detail": R(SCJ_WRITERS | OVERSIGHT | {'scj_chief'}, ()),
    "results:review_decide": R((), {'scj_chief'}),
    "results:follow_up_create": R((), SCJ_WRITERS | {'scj_chief'}),
    "results:attachment": R(SCJ_WRITERS | OVERSIGHT | {'scj_chief'}, ()),
    "results:task": R(SCJ | OVERSIGHT, ()),
    "results:follow_ups": R(DEPARTMENTS | OVERSIGHT, ()),
    "results:follow_up": R(SCJ_WRITERS | OVERSIGHT | {'scj_chief'}, SCJ_WRITERS | {'scj_chief'}),
    "results:cases": R(WRITERS | OVERSIGHT | {'ga_chief', 'scj_chief'}, ()),
    "results:case_create": R(WRITERS | {'ga_chief', 'scj_chief'}, WRITERS | {'ga_chief', 'scj_chief'}),
    "results:case_sweep": R((), WRITERS | {'ga_chief', 'scj_chief'}),
    "results:case": R(SCJ_WRITERS | OVERSIGHT | {'scj_chief'}, SCJ_WRITERS | {'scj_chief'}),
    "results:history": R(WRITERS | OVERSIGHT | {'ga_chief', 'scj_chief'}, WRITERS | {'ga_chief', 'scj_chief'}),
}

# The Django admin: staff accounts only (the demo's "admin"); everyone else is sent to its login.
ADMIN = R({"admin"}, {"admin"})
# Records that are evidence or written only by services: the admin shows them and changes nothing.
ADMIN_READ_ONLY = {
    "core_auditentry", "core_publicationrecord", "core_publicationattachment", "core_importjob", "core_outboxitem",
    "core_feeditem", "inspections_taskcommitment", "inspections_draw", "inspections_drawframe",
    "inspections_drawevidence", "inspections_drawselection", "inspections_drawassignment", "inspections_drawroster",
    "inspections_planbatch",
    "inspections_taskitem", "inspections_taskparticipant", "inspections_tasktransition", "inspections_objection",
    "inspections_redrawrequest", "inspections_visit", "inspections_notice", "inspections_substitution",
    "inspections_entitylist", "inspections_inspectionrecord", "inspections_teammember", "inspections_result",
    "inspections_resultreview", "inspections_resultattachment", "inspections_followup", "inspections_caseitem",
    "inspections_entityfeedback", "inspections_trainingsession", "inspections_trainingattendance",
    "inspections_itemlistpublication", "inspections_noticeevent",
}
ADMIN_NO_ADD = {"axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}
ADMIN_SPECIAL = {
    "admin:login": R(EVERYONE, EVERYONE),
    "admin:logout": R(STAFF - {"admin"}, STAFF - {"admin"}),  # logs a non-staff person out, as Django does
    "admin:password_change_done": R({"admin"}, ()),
    "admin:jsi18n": R({"admin"}, ()),
    "admin:autocomplete": R((), ()),  # answers only with its query parameters
    "admin:entities_entity_process_import": R((), {"admin"}),
    "admin:inspectors_inspector_process_import": R((), {"admin"}),
    "admin:entities_entity_export": R((), ()),  # a POST of the export form, with its parameters
}


def _admin(name: str) -> R:
    if name in ADMIN_SPECIAL:
        return ADMIN_SPECIAL[name]
    model, _, view = name.removeprefix("admin:").rpartition("_")
    if model in ADMIN_READ_ONLY and view in ("add", "delete"):
        return R()
    if model in ADMIN_READ_ONLY and view == "change":
        return R({"admin"}, ())
    if model in ADMIN_NO_ADD and view == "add":
        return R()
    return ADMIN


def expected(name: str) -> R:
    if name.startswith("admin:"):
        return _admin(name)
    return TABLE.get(name, R())  # a missing name fails test_every_url_pattern_is_in_the_table
