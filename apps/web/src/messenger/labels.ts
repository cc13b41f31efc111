// Words shown to people for the server's and SDK's codes.
import type { ReportSubmission } from '@safelight/client';

export function bandLabel(band: string | undefined): string {
  switch (band) {
    case 'teen13to15':
      return '13–15';
    case 'teen16to17':
      return '16–17';
    case 'adult':
      return '18+';
    default:
      return 'unknown';
  }
}

export function isMinorBand(band: string | undefined): boolean {
  return band === 'teen13to15' || band === 'teen16to17';
}

/** What a reporter picks, and the NCMEC incident type it files under (undefined: other). */
/** Report reasons; each category is an NCMEC incident type of the report contract. */
export const REPORT_REASONS: ReadonlyArray<{ label: string; category: ReportSubmission['category'] }> = [
  {
    label: 'Asking me for photos, to meet, or to keep secrets',
    category: 'Online Enticement of Children for Sexual Acts',
  },
  { label: 'Sent me sexual images', category: 'Unsolicited Obscene Material Sent to a Child' },
  {
    label: 'Sexual images of a child',
    category: 'Child Pornography (possession, manufacture, and distribution)',
  },
  { label: 'Something else', category: undefined },
];

export const BLUR_REASONS: Record<string, string> = {
  'non-contact': 'This image is from someone who is not your contact, so it is hidden.',
  nudity: 'This image may show nudity, so it is hidden.',
  'classifier-unavailable': 'This image could not be checked, so it is hidden.',
};
