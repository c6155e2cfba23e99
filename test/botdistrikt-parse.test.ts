import { describe, expect, it } from 'vitest';
import { parseReplies } from '../bridge/botdistrikt/parse.js';
import type { BotReply } from '../bridge/chat/replies.js';

const text = (t: string, extra: Partial<Extract<BotReply, { kind: 'text' }>> = {}): BotReply => ({
  kind: 'text',
  text: t,
  buttons: [],
  quickReplies: [],
  ...extra,
});

describe('the tolerant response parser', () => {
  const cases: [string, unknown, BotReply[]][] = [
    ['an array of text messages', [{ type: 'text', text: 'Hi' }, { text: 'there' }], [text('Hi'), text('there')]],
    ['an object holding responses', { responses: [{ text: 'A' }] }, [text('A')]],
    ['an object holding messages', { messages: [{ text: 'B' }] }, [text('B')]],
    ['an object holding data', { data: [{ text: 'C' }] }, [text('C')]],
    ['a single message under message', { message: { text: 'D' } }, [text('D')]],
    ['nested holders', { data: { responses: [{ text: 'E' }] } }, [text('E')]],
    ['a plain string', 'just text', [text('just text')]],
    ['an array of strings', ['one', 'two'], [text('one'), text('two')]],
    ['text under message.text (Messenger envelope)', [{ recipient: { id: 'x' }, message: { text: 'F' } }], [text('F')]],
    ['text under content', [{ content: 'G' }], [text('G')]],
    ['an empty array', [], []],
    ['null (an empty body)', null, []],
    ['typing indicators are skipped', [{ type: 'typing' }, { text: 'H' }], [text('H')]],
    [
      'Messenger-style quick replies',
      [
        {
          text: 'Pick',
          quick_replies: [
            { content_type: 'text', title: 'Yes', payload: 'Y' },
            { content_type: 'text', title: 'No' },
          ],
        },
      ],
      [
        text('Pick', {
          quickReplies: [
            { type: 'text', title: 'Yes', payload: 'Y' },
            { type: 'text', title: 'No', payload: 'No' },
          ],
        }),
      ],
    ],
    [
      'quick reply kinds: return, location, email, phone',
      [
        {
          text: 'Q',
          quick_replies: [
            { content_type: 'return', title: '❮', payload: 'BACK' },
            { content_type: 'location' },
            { content_type: 'user_email', payload: 'e' },
            { content_type: 'user_phone_number', payload: 'p' },
          ],
        },
      ],
      [
        text('Q', {
          quickReplies: [
            { type: 'return', title: '❮', payload: 'BACK' },
            { type: 'location', title: 'Location', payload: 'Location' },
            { type: 'email', title: 'Email', payload: 'e' },
            { type: 'phone', title: 'Phone number', payload: 'p' },
          ],
        }),
      ],
    ],
    [
      'quick replies as strings',
      [{ text: 'S', quickReplies: ['a', 'b'] }],
      [
        text('S', {
          quickReplies: [
            { type: 'text', title: 'a', payload: 'a' },
            { type: 'text', title: 'b', payload: 'b' },
          ],
        }),
      ],
    ],
    [
      'buttons of every type',
      [
        {
          text: 'T',
          buttons: [
            { type: 'web_url', title: 'Site', url: 'https://x.org' },
            { type: 'postback', title: 'Go', payload: 'GO' },
            { type: 'phone_number', title: 'Call', payload: '+4512345678' },
            { type: 'text', title: 'Say yes' },
            { type: 'story', title: 'Story', story_id: 's1' },
          ],
        },
      ],
      [
        text('T', {
          buttons: [
            { type: 'url', title: 'Site', value: 'https://x.org' },
            { type: 'story', title: 'Go', value: 'GO' },
            { type: 'phone', title: 'Call', value: '+4512345678' },
            { type: 'text', title: 'Say yes', value: 'Say yes' },
            { type: 'story', title: 'Story', value: 's1' },
          ],
        }),
      ],
    ],
    [
      'a button template under attachment.payload',
      [
        {
          attachment: {
            type: 'template',
            payload: { template_type: 'button', text: 'U', buttons: [{ type: 'url', title: 'Open', url: 'https://y.org' }] },
          },
        },
      ],
      [text('U', { buttons: [{ type: 'url', title: 'Open', value: 'https://y.org' }] })],
    ],
    ['an image', [{ type: 'image', url: 'https://x/cat.jpg' }], [{ kind: 'placeholder', label: '[image]', buttons: [], quickReplies: [] }]],
    [
      'a Messenger image attachment',
      [{ attachment: { type: 'image', payload: { url: 'u' } } }],
      [{ kind: 'placeholder', label: '[image]', buttons: [], quickReplies: [] }],
    ],
    [
      'video with a caption',
      [{ type: 'video', text: 'Watch', url: 'v' }],
      [{ kind: 'placeholder', label: '[video]', text: 'Watch', buttons: [], quickReplies: [] }],
    ],
    ['audio', [{ type: 'audio', url: 'a' }], [{ kind: 'placeholder', label: '[audio]', buttons: [], quickReplies: [] }]],
    ['a sticker', [{ sticker_id: 123 }], [{ kind: 'placeholder', label: '[sticker]', buttons: [], quickReplies: [] }]],
    [
      'a location',
      [{ type: 'location', latitude: 1, longitude: 2 }],
      [{ kind: 'placeholder', label: '[location]', buttons: [], quickReplies: [] }],
    ],
    [
      'cards (a generic template)',
      [
        {
          attachment: {
            type: 'template',
            payload: {
              template_type: 'generic',
              elements: [
                { title: 'Uno', subtitle: 'small', buttons: [{ type: 'postback', title: 'Pick', payload: 'U' }] },
                { title: 'Mega' },
              ],
            },
          },
          quick_replies: [{ content_type: 'text', title: 'Back' }],
        },
      ],
      [
        {
          kind: 'placeholder',
          label: '[card] Uno',
          text: 'small',
          buttons: [{ type: 'story', title: 'Pick', value: 'U' }],
          quickReplies: [],
        },
        { kind: 'placeholder', label: '[card] Mega', buttons: [], quickReplies: [{ type: 'text', title: 'Back', payload: 'Back' }] },
      ],
    ],
    ['an unknown type', [{ type: 'hologram', data: 1 }], [{ kind: 'placeholder', label: '[hologram]', buttons: [], quickReplies: [] }]],
    ['an unrecognisable object', [{ foo: 'bar' }], [{ kind: 'placeholder', label: '[message]', buttons: [], quickReplies: [] }]],
    ['a number among the messages', [42], [{ kind: 'placeholder', label: '[message]', buttons: [], quickReplies: [] }]],
  ];

  it.each(cases)('reads %s', (_name, body, expected) => {
    expect(parseReplies(body)).toEqual(expected);
  });

  it('never throws, whatever it is given', () => {
    const odd: unknown[] = [
      undefined,
      0,
      true,
      'x',
      [null],
      { responses: 'nope' },
      { message: 5 },
      [{ quick_replies: 'x', buttons: {} }],
      [{ attachment: 'str' }],
      [{ elements: [null, 3] }],
      [[['deep']]],
    ];
    for (const o of odd) expect(() => parseReplies(o)).not.toThrow();
  });
});
