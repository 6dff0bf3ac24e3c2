"""The files of the data bundle, in the order they are read: a file may refer to the files above
it. A capability adds its file by adding its handler here."""

from ccms.attendance.bundle import ATTENDANCE
from ccms.enrollment.bundle import ENROLLMENTS
from ccms.families.bundle import CHILDREN, FAMILIES, GUARDIANS
from ccms.tenancy.bundle import CLASSROOMS, PROVIDERS

BUNDLE_FILES = [PROVIDERS, CLASSROOMS, FAMILIES, GUARDIANS, CHILDREN, ENROLLMENTS, ATTENDANCE]

# Files of the bundle format that this version cannot import yet. A bundle holding one is
# refused rather than imported without it.
NOT_YET_SUPPORTED = ("cca_authorizations.csv", "ledger.csv", "expenses.csv")
