import os

from django.core.wsgi import get_wsgi_application

from huntzen.process import settle

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huntzen.settings")

application = get_wsgi_application()
settle()
