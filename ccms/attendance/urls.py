"""Attendance pages under /p/<provider>/: check-in (kiosk, roster, guardian's phone), absences
and corrections in urls_checkin; staff time, ratios and reports in urls_staff."""

from ccms.attendance.urls_checkin import patterns as checkin_patterns
from ccms.attendance.urls_staff import patterns as staff_patterns

provider_patterns: list = [*checkin_patterns, *staff_patterns]
