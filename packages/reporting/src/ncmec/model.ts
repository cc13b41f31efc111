/**
 * The typed model of a CyberTipline report and of a file's details, in Safelight's words. The
 * builder (build.ts) maps it onto NCMEC's element names and order.
 */
import type {
  BatchedReportReason,
  EmailType,
  FileAnnotation,
  FileRelevance,
  IncidentType,
  IndustryClassification,
  IpCaptureEventName,
  PhoneType,
  ReportAnnotation,
} from './schema.js';

/** A moment: a Date or an xs:dateTime string (written as given). */
export type Moment = Date | string;

export interface NcmecEmail {
  readonly address: string;
  readonly type?: EmailType;
  readonly verified?: boolean;
}

export interface NcmecPhone {
  readonly number: string;
  readonly type?: PhoneType;
  /** "+" and 1-3 digits, e.g. "+1". */
  readonly countryCallingCode?: string;
  readonly extension?: string;
  readonly verified?: boolean;
}

export interface NcmecPerson {
  readonly firstName?: string;
  readonly lastName?: string;
  readonly phones?: readonly NcmecPhone[];
  readonly emails?: readonly NcmecEmail[];
  readonly age?: number;
  /** xs:date, e.g. "2010-05-17". */
  readonly dateOfBirth?: string;
}

export interface NcmecIpCaptureEvent {
  readonly ipAddress: string;
  readonly eventName?: IpCaptureEventName;
  readonly at?: Moment;
  readonly possibleProxy?: boolean;
  readonly port?: number;
}

export interface NcmecDeviceId {
  readonly idType: string;
  readonly idValue: string;
  readonly eventName?: IpCaptureEventName;
  readonly at?: Moment;
}

/** What the ESP did to the account, as the schema's accountTemporarilyDisabled / accountPermanentlyDisabled. */
export type NcmecAccountStatus =
  | { readonly kind: 'active' }
  | {
      readonly kind: 'temporarilyDisabled';
      readonly disabledAt?: Moment;
      readonly userNotified?: boolean;
      readonly userNotifiedAt?: Moment;
      readonly reenabledAt?: Moment;
    }
  | {
      readonly kind: 'permanentlyDisabled';
      readonly disabledAt?: Moment;
      readonly userNotified?: boolean;
      readonly userNotifiedAt?: Moment;
    };

/** An account on the service (reported user or victim). */
export interface NcmecAccount {
  /** The ESP's own identifier for the account (Safelight's account id). */
  readonly espIdentifier?: string;
  readonly espService?: string;
  readonly compromisedAccount?: boolean;
  readonly screenName?: string;
  readonly displayNames?: readonly string[];
  readonly profileUrls?: readonly string[];
  readonly profileBio?: string;
  readonly ipCaptureEvents?: readonly NcmecIpCaptureEvent[];
  readonly deviceIds?: readonly NcmecDeviceId[];
  /** Earlier CyberTipline report ids about this account. */
  readonly priorCTReports?: readonly string[];
  readonly accountStatus?: NcmecAccountStatus;
  readonly additionalInfo?: string;
}

export interface NcmecReportedUser extends NcmecAccount {
  readonly person?: NcmecPerson;
  readonly thirdPartyUserReported?: boolean;
  readonly groupIdentifier?: string;
}

export interface NcmecVictim extends NcmecAccount {
  readonly person: NcmecPerson;
  readonly schoolName?: string;
}

/** internetDetails/chatImIncident: the conversation the report is about. */
export interface NcmecChatIncident {
  readonly chatClient?: string;
  readonly chatRoomName?: string;
  /** The reported messages (user text: escaped, forbidden characters removed or refused). */
  readonly content?: string;
  readonly additionalInfo?: string;
}

export interface NcmecWebPageIncident {
  readonly urls: readonly string[];
  readonly thirdPartyHostedContent?: boolean;
  readonly additionalInfo?: string;
}

export interface NcmecReportingParty {
  readonly reportingPerson: NcmecPerson;
  readonly contactPerson?: Omit<NcmecPerson, 'age' | 'dateOfBirth'>;
  readonly companyTemplate?: string;
  readonly termsOfService?: string;
  readonly legalUrl?: string;
}

export interface NcmecReport {
  /** Set for one report covering many otherwise separate reports (viral content). */
  readonly batched?: { readonly reason: BatchedReportReason };
  readonly incident: {
    readonly type: IncidentType;
    readonly platform?: string;
    /** Text only when the report should be escalated (imminent risk to a child): the reason. */
    readonly escalateToHighPriority?: string;
    readonly annotations?: readonly ReportAnnotation[];
    readonly dateTime: Moment;
    readonly dateTimeDescription?: string;
  };
  readonly chats?: readonly NcmecChatIncident[];
  readonly webPages?: readonly NcmecWebPageIncident[];
  readonly reporter: NcmecReportingParty;
  readonly reportedUsers?: readonly NcmecReportedUser[];
  readonly victims?: readonly NcmecVictim[];
  readonly additionalInfo?: string;
}

export interface NcmecFileHash {
  /** The hash algorithm as NCMEC's hashType attribute: Safelight writes "MD5", "SHA256" and "PDQ". */
  readonly type: string;
  readonly value: string;
}

/** What Safelight knows about one file of a report, before NCMEC gives it a fileId. */
export interface NcmecFileFacts {
  readonly fileName?: string;
  readonly originalFileName?: string;
  readonly uploadedToEspAt?: Moment;
  readonly locationOfFile?: string;
  /** True when a person at the ESP viewed the entire file (required for NCMEC to share without a warrant). */
  readonly viewedByEsp?: boolean;
  readonly exifViewedByEsp?: boolean;
  readonly publiclyAvailable?: boolean;
  readonly relevance?: FileRelevance;
  /** Either the potentialMeme flag or the annotations, as the schema's choice allows. */
  readonly potentialMeme?: boolean;
  readonly annotations?: readonly FileAnnotation[];
  readonly industryClassification?: IndustryClassification;
  readonly originalHashes?: readonly NcmecFileHash[];
  readonly additionalInfo?: readonly string[];
}

/** The file details document: the facts plus NCMEC's ids. */
export interface NcmecFileDetails extends NcmecFileFacts {
  readonly reportId: string;
  readonly fileId: string;
}
