"""Admin pages for rules. Views parse input, call one function of ``rules.store``, render."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tessera.rules import store
from tessera.rules.forms import ImportForm, RuleBuilderForm, RuleDocumentForm
from tessera.rules.models import Rule, RuleRun, document_summary
from tessera.rules.schema import RuleValidationError
from tessera.web.decorators import admin_required


@admin_required
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = list(Rule.objects.order_by("position", "id"))
    return render(request, "rules/list.html", {
        "rules": [(rule, document_summary(rule.document)) for rule in rules],
        "runs": RuleRun.objects.select_related("ticket").order_by("-created_at", "-id")[:30],
        "import_form": ImportForm(),
    })


@admin_required
def rule_new(request: HttpRequest) -> HttpResponse:
    form = RuleBuilderForm(request.POST or None, initial={"is_active": True, "kind": "trigger", "match": "all"})
    issues: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            rule = store.save_rule(form.document(), is_active=form.cleaned_data["is_active"])
        except RuleValidationError as exc:
            issues = [str(issue) for issue in exc.issues]
        else:
            messages.success(request, _("Rule “%(name)s” saved.") % {"name": rule.name})
            return redirect("rules:list")
    return render(request, "rules/new.html", {"form": form, "issues": issues})


@admin_required
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=rule_id)
    initial = {"document": json.dumps(rule.document, ensure_ascii=False, indent=2), "is_active": rule.is_active}
    form = RuleDocumentForm(request.POST or None, initial=initial)
    issues: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            store.save_rule(form.cleaned_data["document"], rule=rule, is_active=form.cleaned_data["is_active"])
        except RuleValidationError as exc:
            issues = [str(issue) for issue in exc.issues]
        else:
            messages.success(request, _("Rule “%(name)s” saved.") % {"name": rule.name})
            return redirect("rules:list")
    return render(request, "rules/edit.html", {"form": form, "rule": rule, "issues": issues})


@admin_required
@require_POST
def rule_toggle(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=rule_id)
    store.set_active(rule, not rule.is_active)
    return redirect("rules:list")


@admin_required
@require_POST
def rule_move(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=rule_id)
    store.move_rule(rule, -1 if request.POST.get("direction") == "up" else 1)
    return redirect("rules:list")


@admin_required
@require_POST
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=rule_id)
    store.delete_rule(rule)
    messages.success(request, _("Rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("rules:list")


@admin_required
def rule_export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(store.export_rules(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tessera-rules.json"'
    return response


@admin_required
@require_POST
def rule_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST)
    if form.is_valid():
        try:
            created = store.import_rules(form.cleaned_data["payload"])
        except RuleValidationError as exc:
            for issue in exc.issues[:20]:
                messages.error(request, str(issue))
        else:
            count = len(created)
            messages.success(
                request, ngettext("%(count)d rule imported.", "%(count)d rules imported.", count) % {"count": count}
            )
    return redirect("rules:list")
