"""Work done outside the request, on Celery: the jobs table that says what was asked and
how it went (models, services), the Celery app bound to Flask (queue), the scheduled tasks
(tasks) and the admins' page (views). Each feature defines its own tasks and runs them
through `services.run`, which makes a task that runs twice have the effect of one."""
