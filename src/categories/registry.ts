/**
 * Every category the hub serves. Adding one is a folder under `categories/` plus one line here.
 */
import type { AnyCategory } from './category.js';
import { emailCategory } from './email/index.js';
import { paymentsCategory } from './payments/index.js';
import { chatCategory } from './chat/index.js';
import { voiceCategory } from './voice/index.js';
import { smsCategory } from './sms/index.js';
import { meetingsCategory } from './meetings/index.js';
import { calendarCategory } from './calendar/index.js';

export const CATEGORIES: readonly AnyCategory[] = [emailCategory, paymentsCategory, chatCategory, voiceCategory, smsCategory, meetingsCategory, calendarCategory];
