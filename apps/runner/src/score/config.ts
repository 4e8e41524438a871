import { z } from "zod";

/** `score:` in regua.yaml: how the payment-risk model is trained (docs/payment-behaviour.md). */
export const ScoreConfig = z
  .strictObject({
    /** The score is the risk of an invoice not being paid within this many days of its due date. */
    horizonDays: z.number().int().min(1).max(180).default(15),
    /** Ridge (L2) penalty on the standardised coefficients: larger is smoother, smaller fits closer. */
    l2: z.number().nonnegative().default(1),
    /** Moments an invoice is looked at in training, as days from its due date (each below horizonDays). */
    offsets: z.array(z.number().int().min(-60)).min(1).default([-3, 0, 3, 7]),
    /** Invoices due in this many days before today are the training set. */
    historyDays: z.number().int().min(30).max(3650).default(730),
  })
  .refine((score) => score.offsets.every((offset) => offset < score.horizonDays), {
    message: "every offset must be below horizonDays (an invoice unpaid past its horizon has its answer)",
    path: ["offsets"],
  });
export type ScoreConfig = z.infer<typeof ScoreConfig>;
