import { deadLetterTopic } from '../events/dead-letter-headers.js';
import { EventChannelCatalogue } from '../events/index.js';
import { DEFAULT_RETRY_TIERS, jobTopics, lifecycleTopic, QueueNames, scheduleTopic } from '../jobs/index.js';
import { DEFAULT_SAGA_TOPICS } from '../saga/index.js';

/** CatalogueTopic is one topic of the mesh's catalogue and what it carries. */
export interface CatalogueTopic {
  topic: string;
  /** kind groups the catalogue: event, event-dlq, job, job-retry, job-dlq, job-system, saga. */
  kind: string;
}

/**
 * topicCatalogue lists every topic the mesh uses, by kind: the event
 * channels and their DLQs, each job queue's main, retry and dead-letter
 * topics and the shared schedule and lifecycle topics, and the saga log.
 */
export function topicCatalogue(): CatalogueTopic[] {
  const events = EventChannelCatalogue.flatMap(({ channel }) => [
    { topic: channel, kind: 'event' },
    { topic: deadLetterTopic(channel), kind: 'event-dlq' },
  ]);
  const jobs = Object.values(QueueNames).flatMap((queue) => {
    const topics = jobTopics(queue, '', DEFAULT_RETRY_TIERS);
    return [
      { topic: topics.main, kind: 'job' },
      ...topics.retries.map(({ topic }) => ({ topic, kind: 'job-retry' })),
      { topic: topics.deadLetter, kind: 'job-dlq' },
    ];
  });
  const system = [
    { topic: scheduleTopic(''), kind: 'job-system' },
    { topic: lifecycleTopic(''), kind: 'job-system' },
  ];
  const sagas = [
    { topic: DEFAULT_SAGA_TOPICS.state, kind: 'saga' },
    { topic: DEFAULT_SAGA_TOPICS.history, kind: 'saga' },
  ];
  return [...events, ...jobs, ...system, ...sagas];
}
