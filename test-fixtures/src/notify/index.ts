export { type ReceivedMail, type SmtpSink, type SmtpSinkOptions, startSmtpSink } from "./smtp-sink.js";
export { type ReceivedWebhook, startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.js";
