from django.conf import settings


def polling(request):
    return {"counter_poll_seconds": settings.COUNTER_POLL_SECONDS}
