"""Staff time, the live ratio board and attendance reports, under /p/<provider>/."""

from django.urls import path

from ccms.attendance import views_staff as views

patterns: list = [
    path("time/", views.staff_time, name="staff_time"),
    path("time/clock-in/", views.staff_clock_in, name="staff_clock_in"),
    path("time/move/", views.staff_move, name="staff_move"),
    path("time/break/start/", views.staff_break_start, name="staff_break_start"),
    path("time/break/end/", views.staff_break_end, name="staff_break_end"),
    path("time/clock-out/", views.staff_clock_out, name="staff_clock_out"),
    path("time/schedules/", views.staff_schedules, name="staff_schedules"),
    path(
        "time/schedules/<int:schedule_id>/edit/",
        views.staff_schedule_edit,
        name="staff_schedule_edit",
    ),
    path(
        "time/schedules/<int:schedule_id>/delete/",
        views.staff_schedule_delete,
        name="staff_schedule_delete",
    ),
    path("time/timesheet/", views.timesheet, name="timesheet"),
    path("ratios/", views.ratio_board_page, name="ratio_board"),
    path("reports/", views.reports_index, name="reports"),
    path("reports/daily/", views.report_daily, name="report_daily"),
    path("reports/monthly/", views.report_monthly, name="report_monthly"),
    path("reports/late-pickups/", views.report_late_pickups, name="report_late_pickups"),
    path("reports/no-shows/", views.report_no_shows, name="report_no_shows"),
]
