from django.db import models
from django.utils.translation import gettext_lazy as _


class Lead(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        CONTACTED = "contacted", "Contacted"
        SCHEDULED = "scheduled", "Scheduled"
        DO_NOT_CONTACT = "do_not_contact", "Do not contact"

    class Channel(models.TextChoices):
        WHATSAPP = "whatsapp", "WhatsApp"
        EMAIL = "email", "E-mail"
        CALENDAR = "calendar", "Calendar"

    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=16, blank=True, help_text="E.164, e.g. +5511987654321")
    email = models.EmailField(blank=True)
    whatsapp_opt_in = models.BooleanField(default=False)
    email_opt_in = models.BooleanField(default=False)
    preferred_channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    wants_meeting = models.BooleanField(default=False)
    time_zone = models.CharField(max_length=64, default="America/Sao_Paulo")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)
    last_contacted_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name


class DispatchRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    started_by_email = models.CharField(max_length=254)
    started_by_id = models.BigIntegerField(null=True, blank=True)  # a public-schema user; no cross-schema FK
    dry_run = models.BooleanField(default=True)
    batch_size = models.PositiveIntegerField(default=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    processed = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"dispatch run {self.pk}"


class DispatchDecision(models.Model):
    """The dispatch log: what was (or would have been) sent to whom, and why."""

    run = models.ForeignKey(DispatchRun, on_delete=models.CASCADE, related_name="decisions")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="decisions")
    channel = models.CharField(max_length=10)
    reason_code = models.CharField(max_length=40, db_index=True)
    reason = models.CharField(max_length=300)
    message = models.TextField(blank=True)
    dry_run = models.BooleanField()
    sent = models.BooleanField(default=False)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["run", "channel"], name="decision_run_channel")]

    def __str__(self):
        return f"{self.channel}:{self.reason_code}"


class OutboundMessage(models.Model):
    """The outbox: one message to deliver; retried with backoff, left failed for REPROCESS_QUEUE.

    A delivery claims the row (queued → sending, committed) before it talks to the peer and records the
    outcome after, so no lock is held across the network. A peer that may have taken the message without
    confirming it leaves it uncertain: never re-sent automatically, only when a person chooses to.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        UNCERTAIN = "uncertain", _("Maybe sent")

    decision = models.OneToOneField(
        DispatchDecision, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound"
    )
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(max_length=10)
    recipient = models.CharField(max_length=254)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the delivery now (or last) talking to the peer claimed the row; a claim long past is "maybe sent".
    sending_since = models.DateTimeField(null=True, blank=True)
    # One message per lead and channel per dispatch day: a re-run never messages a lead twice.
    dedupe_key = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.channel} to lead {self.lead_id} ({self.status})"
