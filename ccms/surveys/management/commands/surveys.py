"""`ccms surveys`: an alliance's needs assessment surveys, and a survey's ranked priorities.

ccms surveys [--alliance SLUG] [--json]                 the surveys and their response rates
ccms surveys --survey ID [--alliance SLUG] [--json]     the ranked list of shared services
ccms surveys --survey ID --csv                          the responses, one row per provider
"""

import json

from django.core.management.base import BaseCommand, CommandError

from ccms.surveys import queries
from ccms.surveys.models import Survey
from ccms.tenancy.models import Alliance


class Command(BaseCommand):
    help = "Needs assessment surveys of an alliance and the ranked priorities of one of them."

    def add_arguments(self, parser):
        parser.add_argument("--alliance", help="alliance slug (may be left out with one alliance)")
        parser.add_argument("--survey", type=int, help="survey id: print its ranked priorities")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--csv", action="store_true", help="print the survey's responses")

    def handle(self, *args, alliance, survey, json: bool, csv: bool, **options):
        found = _alliance(alliance)
        if survey is None:
            if csv:
                raise CommandError("--csv needs --survey ID.")
            return self.list(found, json)
        chosen = Survey.objects.filter(alliance=found, pk=survey).first()
        if chosen is None:
            raise CommandError(f"{found.name} has no survey {survey}: run `ccms surveys` to list.")
        if csv:
            self.stdout.write(queries.responses_csv(chosen), ending="")
            return
        result = queries.survey_results(chosen)
        rows = [
            {
                "rank": p.rank,
                "service": p.name,
                "score": str(p.score.normalize()),
                "how": [part.explanation for part in p.parts],
            }
            for p in result.priorities
        ]
        if json:
            data = {
                "survey": chosen.title,
                "invited": result.invited,
                "submitted": result.submitted,
                "priorities": rows,
            }
            self.stdout.write(_dumps(data))
            return
        self.stdout.write(
            f"{chosen.title}: {result.submitted} of {result.invited} members answered"
        )
        for row in rows:
            self.stdout.write(f"{row['rank']:>3}. {row['service']:<32} {row['score']:>8}")

    def list(self, alliance: Alliance, as_json: bool):
        surveys = [
            {
                "id": s.pk,
                "title": s.title,
                "status": s.status,
                "invited": s.invited,
                "submitted": s.submitted,
            }
            for s in queries.alliance_surveys(alliance)
        ]
        if as_json:
            self.stdout.write(_dumps(surveys))
            return
        if not surveys:
            self.stdout.write(f"{alliance.name} has no surveys.")
        for s in surveys:
            self.stdout.write(
                f"{s['id']:>5}  {s['status']:<7} {s['submitted']:>3} of {s['invited']:<3} "
                f"{s['title']}"
            )


def _alliance(slug: str | None) -> Alliance:
    if slug:
        found = Alliance.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f"No alliance {slug!r}.")
        return found
    alliances = list(Alliance.objects.all()[:2])
    if len(alliances) != 1:
        raise CommandError("Give --alliance SLUG (there is not exactly one alliance).")
    return alliances[0]


def _dumps(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
