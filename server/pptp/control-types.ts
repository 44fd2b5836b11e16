// Inputs and outputs of the control-connection core (control.ts): its options,
// the caller's decisions, and the events it emits. Times are milliseconds on the
// caller's monotonic clock.

import type { ControlMessageName } from './constants.js';

/**
 * Which end of the control connection this core plays.
 * - 'server': the PAC, as pptpd is: answers SCCRQ, accepts or rejects OCRQ, sends CDN.
 * - 'client': the PNS, as pptp-linux and Windows are: sends SCCRQ and OCRQ, clears with CCRQ.
 */
export type Role = 'server' | 'client';

export interface ControlOptions {
  readonly role: Role;
  /** Our Host Name in SCCRQ/SCCRP (§2.1). Default 'local', as PoPToP and pptp-linux send. */
  readonly hostName?: string;
  /** Our Vendor String. Default 'pptpd-ts'. */
  readonly vendorString?: string;
  readonly firmwareRevision?: number; // default 1
  readonly framingCapabilities?: number; // default async|sync (3)
  readonly bearerCapabilities?: number; // default analog|digital (3)
  /** Maximum Channels: 0 as Windows RRAS and Cisco IOS send; the RFC leaves it advisory. */
  readonly maximumChannels?: number;
  /**
   * Server: the SCCRQ must arrive within this many ms of the TCP accept (PoPToP `stimeout`,
   * default 10 s). Client: the SCCRP must arrive within it after start().
   */
  readonly startTimeout?: number;
  /** Silence before we send an Echo-Request; 0 disables. Default 60 s (PoPToP). */
  readonly echoInterval?: number;
  /** Wait for a sign of life after an Echo-Request before dropping the peer. Default 60 s. */
  readonly echoTimeout?: number;
  /** Wait for StopCCRP after our StopCCRQ. Default 10 s. */
  readonly stopTimeout?: number;
  /** Client: wait for OCRP after OCRQ, and for CDN after CCRQ. Default 30 s. */
  readonly callTimeout?: number;
  /** First Echo-Request Identifier (tests pin it). */
  readonly firstEchoIdentifier?: number;
}

/** What the peer said about itself in its SCCRQ or SCCRP. */
export interface PeerInfo {
  readonly protocolVersion: number;
  readonly framingCapabilities: number;
  readonly bearerCapabilities: number;
  readonly maximumChannels: number;
  readonly firmwareRevision: number;
  readonly hostName: string;
  readonly vendorString: string;
}

/** Server: how we answer an accepted OCRQ (§2.8). */
export interface AcceptCallOptions {
  /** Our Call ID: unique process-wide (see call-ids.ts); GRE from the peer carries it. */
  readonly callId: number;
  /** Connect Speed in bps. Default: the OCRQ's Maximum BPS, as PoPToP does. */
  readonly connectSpeed?: number;
  /** Our Packet Recv. Window Size. Default 64 (what Windows offers). */
  readonly window?: number;
  readonly processingDelay?: number; // default 0
  readonly physicalChannelId?: number; // default 0
}

/** Client: the OCRQ to send (§2.7). */
export interface PlaceCallOptions {
  readonly callId: number;
  readonly callSerialNumber?: number; // default 0
  readonly minimumBps?: number; // default 2400
  readonly maximumBps?: number; // default 10 000 000
  readonly bearerType?: number; // default Any
  readonly framingType?: number; // default Either
  readonly window?: number; // default 64
  readonly processingDelay?: number; // default 0
  readonly phoneNumber?: string;
  readonly subaddress?: string;
}

/** Why a call ended, from the point of view of this core. */
export type ClearedBy =
  | 'peer' // the peer sent CCRQ (server) or CDN (client)
  | 'local' // clearCall(): we sent CDN (server), or CCRQ answered by CDN (client)
  | 'timeout' // client: no CDN after our CCRQ
  | 'stop'; // the control connection stopped with the call still up

export type ControlEvent =
  | { readonly type: 'control-connection-up'; readonly peer: PeerInfo }
  | {
      // Server: the peer asks for a call; answer with acceptCall() or rejectCall().
      readonly type: 'outgoing-call-request';
      readonly peerCallId: number;
      readonly serial: number;
      readonly minimumBps: number;
      readonly maximumBps: number;
      readonly bearerType: number;
      readonly framingType: number;
      readonly window: number; // the peer's Packet Recv. Window Size: a GreWindow's send limit
      readonly processingDelay: number;
      readonly phoneNumber: string;
      readonly subaddress: string;
    }
  | {
      // Client: the PAC answered our OCRQ with Connected.
      readonly type: 'call-connected';
      readonly callId: number;
      readonly peerCallId: number;
      readonly connectSpeed: number;
      readonly window: number;
      readonly processingDelay: number;
    }
  | {
      // Client: the PAC refused our OCRQ (or did not answer in time: resultCode 0).
      readonly type: 'call-rejected';
      readonly callId: number;
      readonly resultCode: number;
      readonly errorCode: number;
      readonly causeCode: number;
    }
  | {
      readonly type: 'call-cleared';
      /** Our Call ID; undefined when the peer cleared an OCRQ we had not answered yet. */
      readonly callId: number | undefined;
      readonly peerCallId: number;
      readonly by: ClearedBy;
      readonly resultCode?: number;
      readonly errorCode?: number;
      readonly causeCode?: number;
      readonly callStatistics?: string;
    }
  | { readonly type: 'set-link-info'; readonly callId: number; readonly sendAccm: number; readonly receiveAccm: number }
  | {
      readonly type: 'wan-error-notify';
      readonly callId: number;
      readonly crcErrors: number;
      readonly framingErrors: number;
      readonly hardwareOverruns: number;
      readonly bufferOverruns: number;
      readonly timeoutErrors: number;
      readonly alignmentErrors: number;
    }
  | { readonly type: 'echo-timeout' }
  | {
      // The control connection is over: flush pending transmits, then close TCP.
      readonly type: 'stopped';
      readonly by: 'peer' | 'local' | 'timeout' | 'error';
      readonly reason: string;
    }
  | {
      // The peer broke a rule. `fatal` ones are followed by 'stopped'.
      readonly type: 'protocol-error';
      readonly reason: string;
      readonly message?: ControlMessageName;
      readonly fatal: boolean;
    };

export type ControlEventType = ControlEvent['type'];
