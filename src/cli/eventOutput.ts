import { formatOperatorEvent, operatorEventJsonLine } from '../stack/events/formatOperatorEvent.js';
import { shownWhenQuiet, type OperatorEvent } from '../stack/events/operatorEvent.js';

/** How `pythia up` and `pythia watch` print events: human lines, or pino JSON lines. */
export const EVENT_FORMATS = ['text', 'json'] as const;
export type EventFormat = (typeof EVENT_FORMATS)[number];

export type EventPrinterParameters = {
  format: EventFormat;
  /** Only warnings and errors (shownWhenQuiet). */
  quiet: boolean;
  stream: NodeJS.WritableStream;
};

/** Prints each event as one line, the same for `up` and `watch` (docs/operations.md, "What the node tells"). */
export function eventPrinter(parameters: EventPrinterParameters): (event: OperatorEvent) => void {
  return (event) => {
    if (parameters.quiet && !shownWhenQuiet(event)) return;
    parameters.stream.write(`${parameters.format === 'json' ? operatorEventJsonLine(event) : formatOperatorEvent(event)}\n`);
  };
}
