import { DomainError } from '../shared/domain-error.ts';

export class MobileTaken extends DomainError {
  constructor() {
    super('MOBILE_TAKEN', 'A user with this mobile number already exists');
  }
}

export class UserNotFound extends DomainError {
  constructor() {
    super('USER_NOT_FOUND', 'No user has this mobile number');
  }
}

export class InvalidOtp extends DomainError {
  constructor() {
    super('INVALID_OTP', 'The code is not valid for this mobile number');
  }
}

export class OtpExpired extends DomainError {
  constructor() {
    super('OTP_EXPIRED', 'The code has expired; request a new one');
  }
}

export class TooManyAttempts extends DomainError {
  constructor() {
    super('TOO_MANY_ATTEMPTS', 'Too many wrong codes; request a new one');
  }
}

export class InvalidCredentials extends DomainError {
  constructor() {
    super('INVALID_CREDENTIALS', 'Mobile number or password is wrong');
  }
}

export class InvalidCurrentPassword extends DomainError {
  constructor(message = 'The current password is wrong') {
    super('INVALID_CURRENT_PASSWORD', message);
  }
}
