"""The files of the data bundle, in the order they are read: a file may refer to the files above
it. A capability adds its file by adding its handler here."""

from ccms.attendance.bundle import ATTENDANCE
from ccms.billing.bundle import LEDGER
from ccms.enrollment.bundle import ENROLLMENTS
from ccms.families.bundle import CHILDREN, FAMILIES, GUARDIANS
from ccms.insights.bundle import EXPENSES
from ccms.subsidy.bundle import CCA_AUTHORIZATIONS
from ccms.tenancy.bundle import CLASSROOMS, PROVIDERS

BUNDLE_FILES = [
    PROVIDERS,
    CLASSROOMS,
    FAMILIES,
    GUARDIANS,
    CHILDREN,
    ENROLLMENTS,
    ATTENDANCE,
    CCA_AUTHORIZATIONS,
    LEDGER,
    EXPENSES,
]

# Files of the bundle format that this version cannot import yet. A bundle holding one is
# refused rather than imported without it.
NOT_YET_SUPPORTED: tuple[str, ...] = ()
