// Status as the build stage computes it, before it is written anywhere.
// Shaped like Contour's HTTPProxy status so it can be patched into the API as it is.

/** One typed error or warning under the Valid condition. */
export interface SubCondition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  reason: string;
  message: string;
  errors?: SubCondition[];
  warnings?: SubCondition[];
}

/** The computed status of one object. */
export interface ObjectStatus {
  kind: string;
  namespace: string;
  name: string;
  /** HTTPProxy only: valid, invalid or orphaned. */
  currentStatus?: 'valid' | 'invalid' | 'orphaned';
  description?: string;
  conditions: Condition[];
}
