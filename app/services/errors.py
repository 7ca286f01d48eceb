"""Domain errors: services raise them, the shared API base class and the views turn them into
HTTP answers (403/404/409/422) or flash messages."""


class DomainError(Exception):
    status = 400

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field

    def payload(self):
        if self.field:
            return {self.field: [self.message]}
        return self.message


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Invalid(DomainError):
    status = 422
